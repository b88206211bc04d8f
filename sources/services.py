"""Reads and writes over the derivation graph of sources."""

from collections import defaultdict

from django.db import connections, router

from sources.models import Derivation

_ANCESTRY_SQL = """
WITH RECURSIVE up(source_id, derived_from_id) AS (
    SELECT source_id, derived_from_id FROM {table} WHERE source_id IN ({placeholders})
    UNION
    SELECT d.source_id, d.derived_from_id FROM {table} d JOIN up ON d.source_id = up.derived_from_id
)
SELECT source_id, derived_from_id FROM up
"""


def ancestry_edges(source_ids) -> list[tuple[int, int]]:
    """Every derivation edge above the given sources, in one recursive query.

    UNION (not UNION ALL) stops at edges already seen, so circular reporting ends.
    """
    ids = sorted(set(source_ids))
    if not ids:
        return []
    sql = _ANCESTRY_SQL.format(table=Derivation._meta.db_table, placeholders=", ".join(["%s"] * len(ids)))
    # On the database this request reads from (a replica for a public page: operations/replicas.py).
    with connections[router.db_for_read(Derivation)].cursor() as cursor:
        cursor.execute(sql, ids)
        return cursor.fetchall()


def independent_origins(source_ids) -> list[set[int]]:
    """Group sources that share an origin; the number of groups is the number of
    independent origins behind them.

    Each source is traced up its derivations to its roots (documents derived from
    nothing we know). Sources whose roots overlap are one origin: the AP story, its
    verbatim copy on a content farm, and a write-up summarising it are one origin,
    not three confirmations.
    """
    ids = set(source_ids)
    parents = defaultdict(set)
    for child, parent in ancestry_edges(ids):
        parents[child].add(parent)

    def roots(node, seen):
        if node in seen:
            return set()
        seen.add(node)
        if not parents[node]:
            return {node}
        return set().union(*(roots(p, seen) for p in parents[node]))

    groups: list[tuple[set[int], set[int]]] = []  # (members, their roots)
    for source in sorted(ids):
        source_roots = roots(source, set())
        overlapping = [g for g in groups if g[1] & source_roots]
        members, all_roots = {source}, set(source_roots)
        for group in overlapping:
            members |= group[0]
            all_roots |= group[1]
            groups.remove(group)
        groups.append((members, all_roots))
    return [members for members, _ in groups]
