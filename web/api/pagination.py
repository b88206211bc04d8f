"""Keyset pagination for the API, as on the browse pages: a page is "the next N after
this row", so it costs one indexed range scan however deep it is. Claims take the
browse pages' `sort` and `after` markers (web.pagination); other records are listed
by slug, `after` being the last slug seen."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from web.filters import SORTS
from web.pagination import BadCursor, keyset_page

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# A slug as the models store it (Django's SlugField and the `slug` path converter):
# the detail routes and the `after` marker of the slug-ordered lists take nothing else,
# so a NUL byte, which PostgreSQL refuses in a string, never reaches a query.
SLUG_PATTERN = r"[-a-zA-Z0-9_]+"


class KeysetPagination(BasePagination):
    after_description = "The `next` link's marker: the page after the row it names."
    after_schema = {"type": "string", "pattern": f"^{SLUG_PATTERN}$"}

    def page_size(self, request) -> int:
        raw = request.query_params.get("page_size", "")
        if not raw:
            return DEFAULT_PAGE_SIZE
        # ASCII digits only: str.isdigit() accepts "²" and "①", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.page_size(request)
        items, self.next_marker = self.page(queryset, request, size)
        return items

    def page(self, queryset, request, size):
        after = request.query_params.get("after", "")
        if after and not re.fullmatch(SLUG_PATTERN, after):
            raise ValidationError({"after": ["Give the slug of the last row seen, as in the `next` link."]})
        if after:
            queryset = queryset.filter(slug__gt=after)
        rows = list(queryset.order_by("slug")[: size + 1])
        return rows[:size], rows[size - 1].slug if len(rows) > size else None

    def get_paginated_response(self, data):
        next_url = None
        if self.next_marker:
            next_url = replace_query_param(self.request.build_absolute_uri(), "after", self.next_marker)
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": self.after_description,
                "schema": self.after_schema,
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Rows a page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
            },
        ]


class ClaimKeysetPagination(KeysetPagination):
    """In the order the filters' `sort` asks for (date made, newest first by default)."""

    after_schema = {"type": "string"}

    def page(self, queryset, request, size):
        sort = request.query_params.get("sort", "")
        try:
            page = keyset_page(
                queryset,
                sort=sort if sort in SORTS else "-made",
                after=request.query_params.get("after", ""),
                size=size,
            )
        except BadCursor as exc:
            raise ValidationError({"after": [str(exc)]}) from None
        return page.items, page.next_cursor
