"""Counts that stay cheap at a million claims. A list says "1,000+" rather than count
every match; the home page's totals are the planner's estimate above a threshold."""

import json

from django.db import connection
from django.db.models import IntegerField, Subquery

COUNT_CAP = 1000
# Below this many rows an exact COUNT(*) is cheap; above it the home page shows the
# PostgreSQL planner's estimate (from pg_class.reltuples and the column statistics).
ESTIMATE_ABOVE = 100_000


def capped(count: int) -> str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"


def capped_count(queryset) -> str:
    """How many rows, counted over a LIMIT COUNT_CAP + 1 subquery: "1,000+" beyond it."""
    return capped(queryset.order_by()[: COUNT_CAP + 1].count())


class CappedCount(Subquery):
    """An annotation counting the rows of a correlated .values() queryset up to
    COUNT_CAP + 1, so that a topic of a million claims costs what one of a thousand
    does; templates show it with the `capped` filter ("1,000+")."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()

    def __init__(self, queryset):
        super().__init__(queryset.order_by()[: COUNT_CAP + 1])


def cheap_count(queryset) -> str:
    """The exact number of rows, or on PostgreSQL above ESTIMATE_ABOVE the planner's
    estimate in round figures ("about 1,200,000"): an EXPLAIN costs no scan."""
    if connection.vendor == "postgresql":
        plan = queryset.order_by().explain(format="json")
        plan = json.loads(plan) if isinstance(plan, str) else plan
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate > ESTIMATE_ABOVE:
            return f"about {round(estimate, -(len(str(estimate)) - 2)):,}"
    return f"{queryset.count():,}"
