"""Suggestions for the list filters' text boxes: /autocomplete/actors/?q=kim answers up
to ten records, those named exactly so first, then those whose name begins so, then (on
PostgreSQL) those whose name is like it by trigram similarity, on the GIN trigram
indexes of claims/migrations/0013_list_indexes.py. SQLite has no pg_trgm: it falls back
to names that contain the words. An actor is also found by its aliases."""

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Upper
from django.http import Http404, JsonResponse

from claims.models import Actor, ActorAlias, Materiel, Topic

LIMIT = 10
MAX_QUERY_LENGTH = 100
EXACT, PREFIX, SIMILAR = 0, 1, 2
KINDS = {"actors": Actor, "topics": Topic, "materiel": Materiel}


def _ranked(queryset, words: str):
    """(rank, similarity, name, pk) of the best LIMIT rows whose `name` matches `words`
    exactly, by prefix or by likeness: one query, whose three conditions on UPPER(name)
    the trigram index serves."""
    upper = words.upper()
    rows = queryset.annotate(
        upper_name=Upper("name"),
        rank=Case(
            When(upper_name=upper, then=Value(EXACT)),
            When(upper_name__startswith=upper, then=Value(PREFIX)),
            default=Value(SIMILAR),
            output_field=IntegerField(),
        ),
    )
    if connection.vendor == "postgresql":
        likeness = TrigramSimilarity(Upper("name"), upper)
        alike = Q(TrigramSimilar(Upper("name"), upper))
        rows = rows.filter(Q(upper_name=upper) | Q(upper_name__startswith=upper) | alike).annotate(likeness=likeness)
    else:
        rows = rows.filter(name__icontains=words).annotate(likeness=Value(0.0))
    return rows.order_by("rank", "-likeness", "name")[:LIMIT]


def autocomplete(request, kind):
    model = KINDS.get(kind)
    if model is None:
        raise Http404("Suggestions are for actors, topics and materiel.")
    words = request.GET.get("q", "").strip()
    if not words or len(words) > MAX_QUERY_LENGTH or "\x00" in words:
        return JsonResponse({"results": []}, status=200 if not words else 400)
    found = {}  # pk -> (rank, -likeness, name)
    for row in _ranked(model.objects.all(), words).values("pk", "rank", "likeness", "name"):
        found[row["pk"]] = (row["rank"], -row["likeness"], row["name"])
    if model is Actor:
        for row in _ranked(ActorAlias.objects.all(), words).values("actor_id", "rank", "likeness", "name"):
            key = (row["rank"], -row["likeness"], row["name"])
            found[row["actor_id"]] = min(found.get(row["actor_id"], key), key)
    best = sorted(found, key=found.get)[:LIMIT]
    records = model.objects.in_bulk(best)
    results = [{"slug": records[pk].slug, "name": records[pk].name} for pk in best if pk in records]
    return JsonResponse({"results": results})
