"""The admin's autocomplete (select2, autocomplete_fields) for actors, topics and
materiel: the records named exactly so first, then those whose name (or, for an actor,
an alias) begins so, then the rest that Django's search finds, each group by name; as
web/autocomplete.py ranks the list filters' suggestions, here in one query over the
admin's own search (trigram-indexed UPPER(name) LIKE on PostgreSQL). Each result says
what the record is: "South Korea — state", "National Intelligence Service — agency,
South Korea". A parent field never offers the record being edited.

config/admin_site.py serves the autocomplete with LabelledAutocompleteJsonView, which
asks the ModelAdmin for autocomplete_label(obj).
"""

from urllib.parse import urlsplit

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Upper
from django.urls import Resolver404, resolve

# A name before an alias at the same level: "South Korean Navy" (its name begins "South
# Korea") before the DIA (whose alias "South Korea's DIA" does).
EXACT, ALIAS_EXACT, PREFIX, ALIAS_PREFIX, OTHER = range(5)


def is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


def edited_pk(request, model):
    """The primary key of the `model` record whose change page made this autocomplete
    request (its Referer, /admin/<app>/<model>/<pk>/change/), else None."""
    referer = request.headers.get("referer", "")
    try:
        match = resolve(urlsplit(referer).path)
    except (Resolver404, ValueError):
        return None
    opts = model._meta
    if match.url_name != f"{opts.app_label}_{opts.model_name}_change":
        return None
    try:
        return opts.pk.to_python(match.kwargs.get("object_id"))
    except Exception:  # noqa: BLE001 (a crafted Referer is ignored, never a 500)
        return None


def search_rank(term: str, alias_model=None, alias_fk: str = ""):
    """The rank of a row by its UPPER(name), then its aliases' names."""
    upper = term.upper()
    whens = [When(Q(search_upper_name=upper), then=Value(EXACT))]
    aliases = None
    if alias_model is not None:
        aliases = alias_model.objects.filter(**{alias_fk: OuterRef("pk")}).annotate(upper_name=Upper("name"))
        whens.append(When(Exists(aliases.filter(upper_name=upper)), then=Value(ALIAS_EXACT)))
    whens.append(When(Q(search_upper_name__startswith=upper), then=Value(PREFIX)))
    if aliases is not None:
        whens.append(When(Exists(aliases.filter(upper_name__startswith=upper)), then=Value(ALIAS_PREFIX)))
    return Case(*whens, default=Value(OTHER), output_field=IntegerField())


class RankedSearchMixin:
    """For the ModelAdmin of a model with a `name` (and maybe a `parent` of its own kind):
    search results ranked exact, prefix, other; a parent's autocomplete without the
    record being edited."""

    alias_model = None  # a model whose `name` also finds the record (ActorAlias)
    alias_fk = ""  # its foreign key to the record
    autocomplete_related = ()  # select_related for autocomplete_label

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            queryset = queryset.annotate(
                search_upper_name=Upper("name"),
                search_rank=search_rank(term, self.alias_model, self.alias_fk),
            ).order_by("search_rank", "search_upper_name", "pk")
        if is_autocomplete(request):
            queryset = queryset.prefetch_related(None)
            if self.autocomplete_related:
                queryset = queryset.select_related(*self.autocomplete_related)
            if request.GET.get("field_name") == "parent" and request.GET.get("model_name") == self.opts.model_name:
                pk = edited_pk(request, self.model)
                if pk is not None:
                    queryset = queryset.exclude(pk=pk)
        return queryset, may_have_duplicates

    def autocomplete_label(self, obj) -> str:
        return str(obj)


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, each result's text from the ModelAdmin's
    autocomplete_label() where it has one."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result
