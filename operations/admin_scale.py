"""Changelists that stay fast at a million rows.

Django's changelist counts every matching row twice (the page's total and the table's),
offers facet counts over the whole table, and a count column annotated in get_queryset()
is aggregated over every row before the page's hundred are picked; a date hierarchy
reads every row for its list of years. Here the total is counted up to a cap (a LIMIT
subquery: "10,000+" beyond it), there is no full count and no facets, count columns are
computed for the rows shown, each up to a cap, in one query, and a year is typed.
"""

import datetime as dt

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import IntegerField, OuterRef, Subquery
from django.utils.functional import cached_property

from operations.django_fixes import RangeCheckedChangeList

COUNT_CAP = 10_000
ROW_COUNT_CAP = 100  # a count column stops at "100+": counting 1,000 of each outlet's sources took 0.5 s


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
        records = self.model._default_manager
        counts = {
            name: CappedCount(records.filter(pk=OuterRef("pk"), **{f"{relation}__isnull": False}).values(relation))
            for name, relation in self.shown_counts.items()
        }
        found = records.filter(pk__in=[row.pk for row in rows]).annotate(**counts)
        by_pk = {values["pk"]: values for values in found.values("pk", *counts)}
        for row in rows:
            for name in counts:
                setattr(row, name, by_pk[row.pk][name])


class CappedCount(Subquery):
    """The rows of a correlated .values() queryset, counted up to ROW_COUNT_CAP + 1."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()

    def __init__(self, queryset):
        super().__init__(queryset.order_by()[: ROW_COUNT_CAP + 1])


def shown_count(count: int) -> str:
    """A count column's value as shown: "1,000+" beyond the cap."""
    return f"{ROW_COUNT_CAP:,}+" if count > ROW_COUNT_CAP else f"{count:,}"


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


class YearFilter(TypedRecordFilter):
    """Records whose date's first day falls in a typed year: an index range, where the
    admin's date hierarchy lists the years present by reading every row (0.25 s over a
    million claims, 0.7 s over two million sources). Subclasses set `field_path` to the
    date's first-day column."""

    title = "year"
    parameter_name = "year"
    hint = "A year, e.g. 2023"

    def queryset(self, request, queryset):
        typed = (self.value() or "").strip()
        if not typed:
            return queryset
        if not (typed.isascii() and typed.isdigit() and 1 <= int(typed) <= 9999):
            return queryset.none()
        year = int(typed)
        return queryset.filter(**{f"{self.field_path}__range": (dt.date(year, 1, 1), dt.date(year, 12, 31))})
