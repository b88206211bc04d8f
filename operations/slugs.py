"""Slugs for new records, made on the server: at most 60 characters from the key words of
a claim's proposition, a denial's statement or a source's title (names keep every word),
cut at a word boundary, and unique ("-2", "-3" ... when taken).

The admin used prepopulated_fields, whose script (Django's prepopulate.js) rewrites the
slug from the proposition on every keyup, change and focus of the proposition until the
slug box itself fires a "change" event. The box therefore already holds the automatic
slug, up to 150 characters, when an analyst clicks into it to type one: what they type
lands after it, and a proposition edited before leaving the box rewrites it again.
AutoSlugAdminMixin drops the script: the slug box of an add form is optional, a slug
typed there is kept as typed, and a blank one is filled by slug_for() when the form is
cleaned. Existing slugs, and so addresses, never change.
"""

import re

from django.utils.text import slugify

MAX_LENGTH = 60
BATCH = 50  # slug candidates looked up a query: "x", "x-2" ... "x-50"

# Words that carry no meaning in an address. Negations ("not", "no"), numbers and names
# are kept: "russia-not-receive-shells" and "russia-receive-shells" are different claims.
_STOP_WORDS_TEXT = (
    "a about also an and any are as at be been being but by can could did do does during each for from "
    "had has have having he her here hers him his how i if in into is it its itself just may me might my "
    "of off on once or other our ours out own same she should so some such than that the their theirs "
    "them then there these they this those through to too until up upon very was we were what when where "
    "which while who whom why will with would you your "
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def _words(text: str, *, key_words: bool) -> list[str]:
    text = re.sub(r"(?<=\d)[,.](?=\d)", lambda m: "" if m.group() == "," else "-", text)  # 13,000 1.5
    words = slugify(text).split("-")
    words = [w for w in words if w]
    if key_words:
        kept = [w for w in words if w not in STOP_WORDS]
        words = kept or words
    return words


def cut(words: list[str], max_length: int) -> str:
    """The words joined by hyphens, as many as fit in max_length; a first word longer
    than that is cut."""
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_length:
            break
        slug = longer
    return slug or (words[0][:max_length].strip("-") if words else "")


def slug_for(
    text: str,
    queryset,
    *,
    field: str = "slug",
    max_length: int = MAX_LENGTH,
    key_words: bool = True,
    fallback: str = "record",
    also_taken=(),
) -> str:
    """A slug for `text` that no row of `queryset` (nor of the value querysets in
    `also_taken`, such as old addresses kept as redirects) has in `field`: its key words
    (or every word when key_words is False), at most max_length characters, with "-2",
    "-3" ... when taken. `fallback` stands in for text with no Latin letter or digit."""
    words = _words(text, key_words=key_words) or [slugify(fallback) or "record"]
    first = 1
    while True:  # a batch of candidates a query, on the unique index: never every slug alike
        candidates = [_numbered(words, number, max_length) for number in range(first, first + BATCH)]
        taken = set()
        for values in (queryset, *also_taken):
            taken |= set(values.filter(**{f"{field}__in": candidates}).values_list(field, flat=True))
        free = next((candidate for candidate in candidates if candidate not in taken), None)
        if free:
            return free
        first += BATCH


def _numbered(words: list[str], number: int, max_length: int) -> str:
    """The slug of the words, with "-<number>" from 2 on, within max_length."""
    suffix = f"-{number}" if number > 1 else ""
    return cut(words, max_length - len(suffix)) + suffix


class AutoSlugAdminMixin:
    """For a ModelAdmin whose model has a `slug`: on the add form the slug is optional,
    kept as typed when given, else made from `slug_from` by slug_for() when the form is
    cleaned (before the unique check). The change form keeps the slug required."""

    slug_from = "name"
    slug_key_words = False  # names keep every word; propositions and titles only key words

    def slug_also_taken(self):
        """Value querysets of further slugs a new record must not take."""
        return ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None or "slug" not in form.base_fields:
            return form
        admin = self

        class AutoSlugForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                slug = self.fields["slug"]
                slug.required = False
                slug.help_text = "Leave blank to make it from the key words (at most 60 characters)."

            def clean(self):
                cleaned = super().clean()
                text = cleaned.get(admin.slug_from)
                if not cleaned.get("slug") and text and "slug" not in self.errors:
                    cleaned["slug"] = slug_for(
                        text,
                        admin.model._default_manager.all(),
                        key_words=admin.slug_key_words,
                        fallback=admin.model._meta.model_name,
                        also_taken=admin.slug_also_taken(),
                    )
                return cleaned

        AutoSlugForm.__name__ = form.__name__
        return AutoSlugForm
