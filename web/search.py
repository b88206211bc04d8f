"""Free-text search over claims and denials: their text, their citations' quotes, and
the names and aliases of the actors involved ("DPRK" finds North Korea's claims).

Every claim and denial has one search document holding all those words
(claims/search_documents.py). On PostgreSQL a document is a weighted `tsvector` with a
GIN index, matched with websearch syntax and ranked by ts_rank_cd: the record's own
text (A) above its quotes (B) above actor names (C). Elsewhere (SQLite) a
case-insensitive substring match on the document's text is the fallback, newest first.

Ranking is exact and bounded in what it returns: no result list goes past the
CANDIDATE_CAP (1,000) best matches by rank, and its top results are those of an
exhaustive ranking. Ranking reads the vector of every matching document (a top-N sort
over the GIN index's matches), so its cost grows with the number of matches: at 100k
claims ~60 ms for a word in 30,000 of them on this 2-core machine. A RUM index, which
returns matches in rank order, is the way to bound it further at 1M. The claims list's `q` filter takes claim_search(),
a plain condition, and keeps its own ordering.

Actors are matched by name or alias, as a substring or, on PostgreSQL, by trigram
similarity ("Shoigu" finds "Sergei Shoygu"), on the trigram indexes over UPPER(name).
"""

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import SearchRank, TrigramSimilarity
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.db.models.lookups import Contains

from claims.models import Actor, ActorAlias, ClaimSearchDocument, DenialSearchDocument
from claims.search_documents import matching_documents, search_query, uses_full_text

CANDIDATE_CAP = 1000


def claim_search(query: str) -> Q:
    return Q(pk__in=matching_documents(ClaimSearchDocument, query).values("claim_id"))


def denial_search(query: str) -> Q:
    return Q(pk__in=matching_documents(DenialSearchDocument, query).values("denial_id"))


def ranked(records, document_model, text: str, limit: int):
    """The published `records` (a Claim or Denial queryset) matching the text, best
    first: on PostgreSQL the `limit` (at most CANDIDATE_CAP) best by ts_rank_cd, ranked
    over the documents alone (the GIN index finds them, their `published` flag leaves
    drafts out), then read with the records' own prefetches; on SQLite the first
    `limit` in the records' own order."""
    owner = document_model._meta.pk.name  # "claim" or "denial"
    documents = matching_documents(document_model, text).filter(published=True)
    if not uses_full_text():
        return records.filter(pk__in=documents.values(owner))[:limit]
    rank = SearchRank(F("vector"), search_query(text), cover_density=True)
    candidates = documents.annotate(rank=rank).order_by("-rank", owner).values(owner)[: min(limit, CANDIDATE_CAP)]
    record_rank = SearchRank(F("search_document__vector"), search_query(text), cover_density=True)
    return records.filter(pk__in=candidates).annotate(rank=record_rank).order_by("-rank", "pk")[:limit]


def ranked_claims(claims, text: str, limit: int):
    return ranked(claims, ClaimSearchDocument, text, limit)


def ranked_denials(denials, text: str, limit: int):
    return ranked(denials, DenialSearchDocument, text, limit)


def matching_actors(text: str):
    """Actors whose name or an alias contains the text (any case) or, on PostgreSQL,
    resembles it by trigrams; the closest names first."""
    if not uses_full_text():
        return Actor.objects.filter(Q(name__icontains=text) | Q(aliases__name__icontains=text)).distinct()
    needle = text.upper()

    def resembling(model):
        name = Upper("name")  # the expression the trigram indexes are built on
        return model.objects.filter(Q(Contains(name, needle)) | Q(TrigramSimilar(name, needle)))

    return (
        Actor.objects.filter(
            Q(pk__in=resembling(Actor).values("pk")) | Q(pk__in=resembling(ActorAlias).values("actor_id"))
        )
        .annotate(similarity=TrigramSimilarity(Upper("name"), needle))
        .order_by("-similarity", "name")
    )
