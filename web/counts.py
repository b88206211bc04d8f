"""Counts that stay cheap at a million claims. A list says "1,000+" rather than count
every match; the home page's totals are the planner's estimate above a threshold."""

import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import IntegerField, OuterRef, Subquery

from claims.models import Claim, PublicationState

COUNT_CAP = 1000
# Index pages count each row's claims up to here ("100+"): fifty rows of them a page.
ROW_COUNT_CAP = 100
# Below this many rows an exact COUNT(*) is cheap; above it the home page shows the
# PostgreSQL planner's estimate (from pg_class.reltuples and the column statistics).
ESTIMATE_ABOVE = 100_000


def capped(count: int, cap: int | None = None) -> str:
    cap = COUNT_CAP if cap is None else cap
    return f"{cap:,}+" if count > cap else f"{count:,}"


def capped_count(queryset) -> str:
    """How many rows, counted over a LIMIT COUNT_CAP + 1 subquery: "1,000+" beyond it."""
    return capped(queryset.order_by()[: COUNT_CAP + 1].count())


class CappedCount(Subquery):
    """An annotation counting the rows of a correlated .values() queryset up to
    ROW_COUNT_CAP + 1, so that a topic of a million claims costs what one of a hundred
    does; templates show it with the `capped` filter ("100+")."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()

    def __init__(self, queryset):
        super().__init__(queryset.order_by()[: ROW_COUNT_CAP + 1])


def of_published_claims(links):
    """Rows of a table that links to claims (claim_id), of published claims only. The
    claim's state is read by a subquery a row, an index lookup by primary key: joined,
    the planner would hash the whole claims table to count a hundred rows."""
    state = Subquery(Claim.objects.filter(pk=OuterRef("claim_id")).values("state")[:1])
    return links.annotate(claim_state=state).filter(claim_state=PublicationState.PUBLISHED).values("claim_id")


@dataclass(frozen=True)
class Shown:
    number: int  # for pluralize
    text: str  # "1,234", "about 1,200,000"

    def __str__(self):
        return self.text


def cheap_counts(querysets: dict) -> dict[str, Shown]:
    """The number of rows of each queryset, exact while its table is small; on
    PostgreSQL, beyond ESTIMATE_ABOVE rows (pg_class.reltuples, kept by ANALYZE), the
    planner's estimate for the queryset in round figures ("about 1,200,000"): an
    EXPLAIN scans nothing. One query for the table sizes, then one a queryset."""
    sizes = {}
    connection = connections[next(iter(querysets.values())).db]  # where they are read (a replica, maybe)
    if connection.vendor == "postgresql":
        tables = [queryset.model._meta.db_table for queryset in querysets.values()]
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables])
            sizes = dict(cursor.fetchall())
    counts = {}
    for name, queryset in querysets.items():
        table = queryset.model._meta.db_table
        if table in sizes and sizes[table] > ESTIMATE_ABOVE:
            estimate = _round(_planner_estimate(queryset))
            counts[name] = Shown(estimate, f"about {estimate:,}")
        else:
            exact = queryset.count()
            counts[name] = Shown(exact, f"{exact:,}")
    return counts


def _planner_estimate(queryset) -> int:
    plan = queryset.order_by().explain(format="json")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _round(number: int) -> int:
    """Two significant figures: 1,234,567 -> 1,200,000."""
    return round(number, 2 - len(str(number))) if number >= 100 else number
