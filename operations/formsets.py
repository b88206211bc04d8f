"""Inline formsets that check what a client posted against what is stored, before
anything is written: the admins of every curated record use them (history.admin)."""

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

# The most rows an inline may post; an inline may set a lower max_num. Django's own
# bound is max_num + 1,000, so a crafted TOTAL_FORMS=99999 built 2,000 forms.
INLINE_MAX_NUM = 100
TAMPERED = (
    "These rows were posted with counts or ids that do not match what is stored ({problem}); "
    "nothing was saved. Reload the page and make the changes again."
)


class GuardedInlineFormSet(BaseInlineFormSet):
    """The rows of an inline, checked against the record before anything is written.

    Django takes the management form and the rows' ids as posted: INITIAL_FORMS=-1 (or
    0) posts every stored row again as a new one, and an id of another record's part is
    a valid choice for the id field (it looks in the whole table), which saves nothing
    but makes the formset "changed", so the record's version is raised and a history
    row written. This formset refuses, with an error above the inline:
    - INITIAL_FORMS below 0 or above the rows stored, TOTAL_FORMS below INITIAL_FORMS;
    - more than max_num rows (at most INLINE_MAX_NUM; a record that already holds more
      keeps them): and it builds no more forms than that, whatever TOTAL_FORMS says;
    - a stored row's id that is not one of this record's rows, or given twice;
    - an added row that carries an id.
    Formset errors make the admin re-display the page before it saves anything, so no
    row, version or history is written.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = len(self.get_queryset())  # evaluated once; the forms reuse its rows
        self.max_num = max(min(self.max_num, INLINE_MAX_NUM), stored)
        self.absolute_max = self.max_num
        self.validate_max = True

    def clean(self):
        super().clean()
        if problem := self.tampering():
            raise ValidationError(TAMPERED.format(problem=problem), code="tampered")

    def tampering(self) -> str | None:
        counts = self.management_form.cleaned_data
        total, initial = counts.get("TOTAL_FORMS", 0), counts.get("INITIAL_FORMS", 0)
        stored = {obj.pk for obj in self.get_queryset()}
        if initial < 0 or initial > len(stored):
            return f"{initial} stored rows posted, {len(stored)} stored"
        if total < initial:
            return f"{total} rows posted, fewer than the {initial} stored rows posted"
        pk_name = self.model._meta.pk.name
        seen = set()
        for i, form in enumerate(self.forms):
            posted = form.data.get(form.add_prefix(pk_name), "")
            cleaned = getattr(form, "cleaned_data", {}).get(pk_name)
            if i >= initial:
                if posted not in ("", None) or cleaned is not None:
                    return f"added row {i + 1} carries an id"
                continue
            pk = getattr(cleaned, "pk", None)
            if pk not in stored:
                return f"row {i + 1} is not one of this record's rows"
            if pk in seen:
                return f"row {i + 1} repeats a row"
            seen.add(pk)
        return None


def guarded(formset: type[BaseInlineFormSet]) -> type[GuardedInlineFormSet]:
    """`formset`, or a subclass of it that is guarded (for an inline that names its own)."""
    if issubclass(formset, GuardedInlineFormSet):
        return formset
    return type(formset.__name__, (GuardedInlineFormSet, formset), {})
