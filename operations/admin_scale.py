"""Changelists that stay fast at a million rows.

Django's changelist counts every matching row twice (the page's total and the table's),
offers facet counts over the whole table, and a count column annotated in get_queryset()
is aggregated over every row before the page's hundred are picked. Here the total is
counted up to a cap (a LIMIT subquery: "10,000+" beyond it), there is no full count and
no facets, and count columns are computed for the rows shown, in one query.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Count
from django.utils.functional import cached_property

from operations.django_fixes import RangeCheckedChangeList

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows; `capped` says there are more. Pages past the cap are
    not offered: a filter or a search narrows a list that long."""

    cap = COUNT_CAP
    capped = False

    @cached_property
    def count(self):
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


class ShownRowsChangeList(RangeCheckedChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.model_admin.count_for_shown_rows(self.result_list)


class ScaledChangeListMixin:
    """For a ModelAdmin. `shown_counts` maps an attribute set on each shown row to the
    relation it counts, e.g. {"denial_count": "denials"}."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    shown_counts: dict[str, str] = {}

    def get_changelist(self, request, **kwargs):
        return ShownRowsChangeList

    def count_for_shown_rows(self, rows) -> None:
        rows = list(rows)
        if not self.shown_counts or not rows:
            return
        counts = {name: Count(relation, distinct=True) for name, relation in self.shown_counts.items()}
        found = self.model._default_manager.filter(pk__in=[row.pk for row in rows]).annotate(**counts)
        by_pk = {values["pk"]: values for values in found.values("pk", *counts)}
        for row in rows:
            for name in counts:
                setattr(row, name, by_pk[row.pk][name])


class TypedRecordFilter(admin.SimpleListFilter):
    """A filter by a related record typed as its slug or name, where a list of every
    topic or source language would be thousands of links. Subclasses set `title`,
    `parameter_name`, `related_model` and `field_path`."""

    template = "admin/typed_filter.html"
    related_model = None
    field_path = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # The other parameters, carried by the filter's own form; a new filter starts at page 1.
        self.other_params = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in {self.parameter_name, "p"}
            for value in values
        ]

    def has_output(self):
        return True

    def lookups(self, request, model_admin):
        return ()

    def choices(self, changelist):
        return ()

    def queryset(self, request, queryset):
        typed = (self.value() or "").strip()
        if not typed:
            return queryset
        records = self.related_model._default_manager
        record = records.filter(slug=typed).first() or records.filter(name__iexact=typed).order_by("pk").first()
        return queryset.filter(**{self.field_path: record}) if record else queryset.none()


class ValueFilter(TypedRecordFilter):
    """A typed filter on a plain column (e.g. a language code), matched exactly."""

    def queryset(self, request, queryset):
        typed = (self.value() or "").strip()
        return queryset.filter(**{self.field_path: typed}) if typed else queryset
