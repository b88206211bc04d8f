"""Free-text search over claims and denials: their text, their citations' quotes, and
the names and aliases of the actors involved ("DPRK" finds North Korea's claims).

On PostgreSQL the text is matched with full-text search, backed by GIN indexes that
migration 0003 creates there; elsewhere (SQLite) a case-insensitive substring match
is the fallback. Both paths return a Q to filter with, so callers are the same.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from claims.models import Actor, Attribution, Claim, ClaimCitation, Denial, DenialCitation

CONFIG = "english"

# (model, text field) pairs given a full-text GIN index on PostgreSQL.
INDEXED_TEXT = [
    (Claim, "proposition"),
    (Denial, "statement"),
    (ClaimCitation, "quote"),
    (DenialCitation, "quote"),
]


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search_vector(field: str) -> SearchVector:
    # The very expression the index is built on, so the planner can use the index.
    return SearchVector(field, config=CONFIG)


def text_matches(model, field: str, query: str):
    """The rows of `model` whose `field` matches the query."""
    if uses_full_text():
        return model.objects.annotate(_document=search_vector(field)).filter(
            _document=SearchQuery(query, config=CONFIG, search_type="websearch")
        )
    return model.objects.filter(**{f"{field}__icontains": query})


def _actors(query: str):
    return Actor.objects.filter(Q(name__icontains=query) | Q(aliases__name__icontains=query)).values("pk")


def claim_search(query: str) -> Q:
    actors = _actors(query)
    return (
        Q(pk__in=text_matches(Claim, "proposition", query).values("pk"))
        | Q(pk__in=text_matches(ClaimCitation, "quote", query).values("claim_id"))
        | Q(Exists(Attribution.objects.filter(claim=OuterRef("pk"), actor__in=actors)))
        | Q(Exists(Claim.subjects.through.objects.filter(claim=OuterRef("pk"), actor__in=actors)))
    )


def denial_search(query: str) -> Q:
    actors = _actors(query)
    return (
        Q(pk__in=text_matches(Denial, "statement", query).values("pk"))
        | Q(pk__in=text_matches(DenialCitation, "quote", query).values("denial_id"))
        | Q(Exists(Denial.deniers.through.objects.filter(denial=OuterRef("pk"), actor__in=actors)))
    )
