"""Keyset pagination: "the next 25 after this row". Unlike OFFSET, whose cost grows with
the page's depth, each page is one indexed range scan wherever it starts."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import F, Q

SORT_FIELDS = {"made": "made_on", "recorded": "created_at"}
PAGE_SIZE = 25


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(value, pk) -> str:
    return f"{value.isoformat() if value is not None else 'none'}~{pk}"


def _decode(cursor: str, field: str):
    """The (value, pk) of a marker _encode wrote; BadCursor for anything else, before it
    reaches a query: a pk of ASCII digits ("²" passes str.isdigit(), "١" int()), and a
    time with its offset, in UTC (PostgreSQL refuses an offset beyond 15:59, and a time
    that falls outside years 1-9999 in UTC cannot be stored)."""
    try:
        value, pk = cursor.split("~")
        if not re.fullmatch(r"[0-9]{1,19}", pk):
            raise ValueError(pk)
        pk = int(pk)
        if value == "none":
            return None, pk
        if field == "created_at":
            moment = dt.datetime.fromisoformat(value)
            if moment.utcoffset() is None:
                raise ValueError(value)
            return moment.astimezone(dt.UTC), pk
        return dt.date.fromisoformat(value), pk
    except (ValueError, OverflowError):
        raise BadCursor(f"{cursor[:40]!r} is not a page marker from this site.") from None


def sort_order(sort: str) -> list:
    """The ORDER BY of `sort` ("-made", "recorded" ...): rows without a value last, the
    primary key breaking ties. The pages and the data exports list rows in this order."""
    field = SORT_FIELDS[sort.lstrip("-")]
    if sort.startswith("-"):
        return [F(field).desc(nulls_last=True), F("pk").desc()]
    return [F(field).asc(nulls_last=True), F("pk").asc()]


def keyset_page(queryset, *, sort: str, after: str = "", size: int = PAGE_SIZE) -> Page:
    """One page of `queryset` in `sort` order ("-made", "recorded", ...) after the
    cursor `after`. Rows without a value sort last in both directions."""
    descending = sort.startswith("-")
    field = SORT_FIELDS[sort.lstrip("-")]
    order = sort_order(sort)
    beyond, pk_beyond = ("lt", "lt") if descending else ("gt", "gt")

    if after:
        value, pk = _decode(after, field)
        if value is None:
            queryset = queryset.filter(**{f"{field}__isnull": True, f"pk__{pk_beyond}": pk})
        else:
            queryset = queryset.filter(
                Q(**{f"{field}__{beyond}": value})
                | Q(**{field: value, f"pk__{pk_beyond}": pk})
                | Q(**{f"{field}__isnull": True})
            )
    rows = list(queryset.order_by(*order)[: size + 1])
    items = rows[:size]
    next_cursor = _encode(getattr(items[-1], field), items[-1].pk) if len(rows) > size else None
    return Page(items, next_cursor)
