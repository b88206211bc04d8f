"""Near-copy search over stored texts: word shingles, MinHash signatures, LSH bands.

A text is read as its words (casefolded, NFKC, punctuation dropped: `words`), cut into
overlapping runs of SHINGLE_WORDS words, and summarised by NUM_HASHES MinHash values
(for each of NUM_HASHES hash functions, the smallest hash of any shingle). Two texts
agree on one value with a probability equal to the Jaccard similarity of their shingle
sets. The values are grouped into BANDS bands of ROWS rows; a band is stored as one
hash of its rows, one row per (source, band) in SourceSignatureBand, indexed on
(band, hash). Sources sharing any band with a new text are its candidates, ranked by
the number of bands they share (the estimated similarity). The table is in the database,
not in a process, so every app server sees the same index and a save updates it for all.

Why not datasketch: its MinHash is the same arithmetic (a * x + b mod 2**61 - 1) but its
hash functions come from numpy's random generator, and the values are stored here, so
they must never change with a library upgrade; it would also bring numpy and scipy in
for 30 lines of integer arithmetic. The hash functions below are fixed by their index
(blake2b of a constant), the same in every process, version and platform.

Changing SHINGLE_WORDS, NUM_HASHES, BANDS or ROWS changes every stored band: run
`manage.py index_sources` after.
"""

import hashlib
import itertools
import re
import unicodedata
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, transaction

SHINGLE_WORDS = 5
BANDS = 128
ROWS = 1
NUM_HASHES = BANDS * ROWS
_PRIME = (1 << 61) - 1  # a Mersenne prime larger than any shingle hash taken modulo it
_WORD = re.compile(r"\w+")


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Each word of `text` normalised (NFKC, casefolded; punctuation is what lies between
    words), with its start and end offsets in `text`."""
    return [(unicodedata.normalize("NFKC", m.group()).casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


def words(text: str) -> list[str]:
    return [word for word, _, _ in word_spans(text)]


def shingles(text: str) -> set[str]:
    """The runs of SHINGLE_WORDS consecutive words; a shorter text is one shingle."""
    found = words(text)
    if len(found) <= SHINGLE_WORDS:
        return {" ".join(found)} if found else set()
    return {" ".join(found[i : i + SHINGLE_WORDS]) for i in range(len(found) - SHINGLE_WORDS + 1)}


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


@cache
def _hash_functions() -> tuple[tuple[int, int], ...]:
    """(a, b) of each of the NUM_HASHES functions x -> (a * x + b) mod _PRIME."""
    functions = []
    for i in range(NUM_HASHES):
        a = _hash64(f"minhash-a-{i}".encode()) % (_PRIME - 1) + 1
        b = _hash64(f"minhash-b-{i}".encode()) % _PRIME
        functions.append((a, b))
    return tuple(functions)


def minhash(text: str) -> tuple[int, ...]:
    """The MinHash signature of `text`, NUM_HASHES values; () for a text without words."""
    hashed = [_hash64(s.encode()) % _PRIME for s in shingles(text)]
    if not hashed:
        return ()
    return tuple(min((a * x + b) % _PRIME for x in hashed) for a, b in _hash_functions())


def bands(signature: tuple[int, ...]) -> list[tuple[int, int]]:
    """(band, hash) pairs of a signature: each band's ROWS values hashed into a signed
    64-bit integer (a BigIntegerField)."""
    found = []
    for band in range(len(signature) // ROWS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(b"".join(v.to_bytes(8, "big") for v in rows), digest_size=8).digest()
        found.append((band, int.from_bytes(digest, "big", signed=True)))
    return found


def estimated_similarity(shared_bands: int) -> float:
    """The Jaccard similarity of two shingle sets estimated from the bands they share
    (one row a band: the share of equal MinHash values)."""
    return shared_bands / BANDS if ROWS == 1 else (shared_bands / BANDS) ** (1 / ROWS)


# --- The stored index -------------------------------------------------------------------


def index_source(source, using: str | None = None, *, created: bool = False) -> int:
    """Replace the stored bands of one saved source by those of its current text (none
    for a source without text); a source just `created` has none to replace. Returns the
    number of bands written."""
    from sources.models import SourceSignatureBand

    using = using or source._state.db or DEFAULT_DB_ALIAS
    stored = SourceSignatureBand.objects.using(using)
    rows = [SourceSignatureBand(source_id=source.pk, band=b, hash=h) for b, h in bands(minhash(source.text))]
    with transaction.atomic(using=using):
        if not created:
            stored.filter(source_id=source.pk).delete()
        if rows:
            stored.bulk_create(rows)
    return len(rows)


def rebuild_all_bands(using: str = DEFAULT_DB_ALIAS, batch: int = 2000) -> int:
    """Every source's bands anew, set-wise: for rows loaded without saves (COPY, the
    corpus, a restored backup). Texts are read in batches through one cursor and the
    bands written with COPY on PostgreSQL (one multi-row INSERT a batch elsewhere).
    Returns the number of sources with a text indexed."""
    from sources.models import Source, SourceSignatureBand

    connection = connections[using]
    table = connection.ops.quote_name(SourceSignatureBand._meta.db_table)
    indexed = 0
    with transaction.atomic(using=using):
        SourceSignatureBand.objects.using(using).all()._raw_delete(using)  # one DELETE, no rows loaded
        with_text = Source.objects.using(using).exclude(text="").order_by("pk").values_list("pk", "text")
        with connection.cursor() as cursor:
            for chunk in itertools.batched(with_text.iterator(chunk_size=batch), batch):
                rows = [(pk, band, value) for pk, text in chunk for band, value in bands(minhash(text))]
                _write_bands(cursor, connection.vendor, table, rows)
                indexed += len(chunk)
    return indexed


def _write_bands(cursor, vendor: str, table: str, rows: list[tuple[int, int, int]]) -> None:
    if not rows:
        return
    if vendor == "postgresql":
        with cursor.copy(f"COPY {table} (source_id, band, hash) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {table} (source_id, band, hash) VALUES (%s, %s, %s)", rows)  # noqa: S608


_CANDIDATES_SQL = """
WITH probe(band, hash) AS (VALUES {values})
SELECT b.source_id, COUNT(*) AS shared
FROM {table} b JOIN probe ON b.band = probe.band AND b.hash = probe.hash
{exclude}
GROUP BY b.source_id
ORDER BY shared DESC, b.source_id
LIMIT %s
"""


def candidates(signature_bands, *, limit: int, exclude=(), using: str = DEFAULT_DB_ALIAS):
    """The stored sources sharing at least one band with `signature_bands`, as
    (source id, shared bands), most shared first, at most `limit`, leaving out the ids in
    `exclude`: one query, one probe of the (band, hash) index per band, whatever the size
    of the table. Written in SQL: the same query through the ORM is an OR of 128
    conditions, which takes Django longer to compile (about 15 ms) than PostgreSQL to run
    (under 1 ms at 20,000 sources)."""
    from sources.models import SourceSignatureBand

    if not signature_bands:
        return []
    exclude = sorted(exclude)
    sql = _CANDIDATES_SQL.format(
        values=", ".join(["(%s, %s)"] * len(signature_bands)),
        table=connections[using].ops.quote_name(SourceSignatureBand._meta.db_table),
        exclude=f"WHERE b.source_id NOT IN ({', '.join(['%s'] * len(exclude))})" if exclude else "",
    )
    params = [value for pair in signature_bands for value in pair] + exclude + [limit]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [(source_id, shared) for source_id, shared in cursor.fetchall()]


def _source_saved(sender, instance, created, raw=False, using=None, **kwargs):
    """A new source, or one whose text changed, gets its bands anew (rows loaded raw, as
    by a restore, are indexed by the rebuild that follows)."""
    if raw:
        return
    if created:
        if instance.text:
            index_source(instance, using, created=True)
    elif "text" in instance.changed_fields():
        index_source(instance, using)


def connect_signals():
    from django.db.models.signals import post_save

    from sources.models import Source

    post_save.connect(_source_saved, sender=Source, dispatch_uid="sources.intake.signatures.source_saved")
