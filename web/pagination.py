"""Keyset pagination: "the next 25 after this row". Unlike OFFSET, whose cost grows with
the page's depth, each page is one indexed range scan wherever it starts."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from claims.models import FIRST_DAY, LAST_DAY, day_or

# The columns each sort orders by, before the primary key that breaks ties. A claim's
# date made is a range of days: it sorts by its first day, then its last ("August 2023"
# after "1 August 2023" in ascending order). Either may be NULL, open or undated.
# "published" orders sources; "id" (the pk alone) lists rows in the order they were recorded.
SORT_FIELDS = {
    "made": ("made_earliest", "made_latest"),
    "recorded": ("created_at",),
    "published": ("published_earliest", "published_latest"),
    "id": (),
}
TIME_FIELDS = {"created_at"}
PAGE_SIZE = 25
INDEX_PAGE_SIZE = 50  # rows of the actors, topics, materiel, sources and outlets pages


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(values, pk) -> str:
    """The marker of a row: its sort values and pk, "~"-separated ("2023-08-01~2023-08-31~17")."""
    return "~".join([*(value.isoformat() if value is not None else "none" for value in values), str(pk)])


def _decode(cursor: str, fields: tuple[str, ...]):
    """The (values, pk) of a marker _encode wrote; BadCursor for anything else, before it
    reaches a query: a pk of ASCII digits ("²" passes str.isdigit(), "١" int()), and a
    time with its offset, in UTC (PostgreSQL refuses an offset beyond 15:59, and a time
    that falls outside years 1-9999 in UTC cannot be stored)."""
    try:
        *values, pk = cursor.split("~")
        if len(values) != len(fields) or not re.fullmatch(r"[0-9]{1,19}", pk):
            raise ValueError(cursor)
        return [_decode_value(value, field) for value, field in zip(values, fields, strict=True)], int(pk)
    except (ValueError, OverflowError):
        raise BadCursor(f"{cursor[:40]!r} is not a page marker from this site.") from None


def _decode_value(value: str, field: str):
    if value == "none":
        return None
    if field in TIME_FIELDS:
        moment = dt.datetime.fromisoformat(value)
        if moment.utcoffset() is None:
            raise ValueError(value)
        return moment.astimezone(dt.UTC)
    return dt.date.fromisoformat(value)


def sort_keys(sort: str) -> list:
    """The expressions `sort` ("-made", "recorded" ...) orders by, before the pk: a
    missing day stands in as the first or last day there is, so it sorts last
    (claims.models.list_order_indexes holds the indexes on these expressions)."""
    fields = SORT_FIELDS[sort.lstrip("-")]
    if fields == ("created_at",):
        return [F("created_at")]  # never NULL
    stand_in = _stand_in(sort)
    return [day_or(field, stand_in) for field in fields]


def _stand_in(sort: str):
    return FIRST_DAY if sort.startswith("-") else LAST_DAY


def sort_order(sort: str) -> list:
    """The ORDER BY of `sort` ("-made", "recorded" ...): rows without a value last, the
    primary key breaking ties. The pages and the data exports list rows in this order."""
    keys = [*sort_keys(sort), F("pk")]
    return [key.desc() if sort.startswith("-") else key.asc() for key in keys]


def _after(sort: str, values, pk):
    """Rows after (values, pk) in the order, as one row-value comparison that an index
    answers with a range scan: `(key1, key2, id) < (value1, value2, pk)`."""
    bounds = [_stand_in(sort) if value is None else value for value in values]
    lookup = TupleLessThan if sort.startswith("-") else TupleGreaterThan
    return lookup(Tuple(*sort_keys(sort), F("pk")), (*bounds, pk))


def keyset_page(queryset, *, sort: str, after: str = "", size: int = PAGE_SIZE) -> Page:
    """One page of `queryset` in `sort` order ("-made", "recorded", ...) after the
    cursor `after`. Rows without a value sort last in both directions."""
    fields = SORT_FIELDS[sort.lstrip("-")]
    if after:
        values, pk = _decode(after, fields)
        queryset = queryset.filter(_after(sort, values, pk))
    rows = list(queryset.order_by(*sort_order(sort))[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        next_cursor = _encode([getattr(items[-1], field) for field in fields], items[-1].pk)
    return Page(items, next_cursor)


def slug_page(queryset, *, after: str = "", size: int = INDEX_PAGE_SIZE) -> Page:
    """One page of records (actors, sources ...) in slug order after the slug `after`:
    the unique index on slug makes every page one range scan."""
    if after and not re.fullmatch(r"[-a-zA-Z0-9_]{1,150}", after):
        raise BadCursor(f"{after[:40]!r} is not a page marker from this site.")
    if after:
        queryset = queryset.filter(slug__gt=after)
    rows = list(queryset.order_by("slug")[: size + 1])
    items = rows[:size]
    return Page(items, items[-1].slug if len(rows) > size else None)
