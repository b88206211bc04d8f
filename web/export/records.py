"""Claim records assembled set-wise, for the data exports and the API.

A batch of claims (their own columns, read as tuples) is completed with one query per
child table for the whole batch -- topics, subjects, materiel, relay chain, figures,
citations, the figures as each citation worded them, the published denials answering
them (with their deniers, other kinds and citations), the sources all those citations
cite, and the links in and out -- each `WHERE claim_id = ANY(ids)` (IN on SQLite) and
read with values_list(): no model instance is built. The records are then put
together in Python as plain dicts, in the key order of web.export.spec.

stream_records() reads the claims of a queryset through one server-side cursor
(QuerySet.iterator) in batches of BATCH_SIZE, so an export takes a constant number of
queries per batch and memory bounded by a batch, whatever its size; closing the
generator (a client that goes away) closes the cursor and so stops the query.
"""

from collections import defaultdict
from decimal import Decimal
from functools import lru_cache
from itertools import batched

from django.db.models import F, Value
from django.db.models.lookups import In
from django.urls import reverse

from claims.models import (
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    ClaimLink,
    Denial,
    DenialCitation,
    DenialOtherKind,
    PublicationState,
    Quantity,
    describe_figure,
)
from sources.date_fields import precision_of

BATCH_SIZE = 2_000

_reading = lru_cache(maxsize=65_536)(describe_figure)  # figures repeat across a corpus


class AnyOf(In):
    """`column IN (ids)`; on PostgreSQL `column IN (SELECT unnest(%s))` with one array
    parameter: one parameter however many ids, the same SQL for every batch, and a plan
    that looks each id up in the column's index (with a bare `= ANY(array)` of 2,000 ids
    the planner often scans the whole table instead, per batch)."""

    def get_prep_lookup(self):
        return [int(pk) for pk in self.rhs]  # ids only: no per-value preparation by the field

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The array as one text literal (cheaper to send than a list psycopg adapts item by
        # item), of the column's own type, so that its index is used.
        array_type = self.lhs.output_field.db_type(connection)
        ids = "{" + ",".join(map(str, self.rhs)) + "}"
        return f"{lhs} IN (SELECT unnest(%s::{array_type}[]))", (*lhs_params, ids)


def any_of(column: str, ids) -> AnyOf:
    return AnyOf(F(column), list(ids))


def _date_columns(name: str, edtf: str | None = None) -> tuple[str, ...]:
    return (edtf or f"{name}_edtf", f"{name}_earliest", f"{name}_latest", f"{name}_as_worded", f"{name}_inferred")


@lru_cache(maxsize=4096)
def _precision(edtf: str):
    return precision_of(edtf) or None


@lru_cache(maxsize=65_536)
def _date(name: str, edtf, earliest, latest, as_worded, inferred) -> dict:
    """The keys of a reported date (web.export.data's docstring), from its five columns.
    Cached: a corpus has far fewer distinct dates than dated rows. Spread, never changed."""
    return {
        name: edtf or None,
        f"{name}_precision": _precision(edtf) if edtf else None,
        f"{name}_earliest": earliest.isoformat() if earliest else None,
        f"{name}_latest": latest.isoformat() if latest else None,
        f"{name}_as_worded": as_worded,
        f"{name}_inferred": inferred,
    }


@lru_cache(maxsize=65_536)
def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _isoformat(value):
    return value.isoformat() if value else None


def _url_maker(view_name: str, absolute):
    """slug -> the record's full URL, without a reverse() per row."""
    placeholder = "slug-placeholder"
    head, tail = absolute(reverse(view_name, args=[placeholder])).split(placeholder)
    return lambda slug: head + slug + tail


def _grouped(rows, key_index: int = 0) -> defaultdict:
    groups = defaultdict(list)
    for row in rows:
        groups[row[key_index]].append(row)
    return groups


CLAIM_COLUMNS = (
    "pk",
    "slug",
    "proposition",
    *_date_columns("made"),
    *_date_columns("period_start"),
    *_date_columns("period_end"),
    "certainty",
    "hedge",
    "status",
    "likelihood",
    "confidence",
    "credibility",
    "notes",
    "version",
    "created_at",
    "updated_at",
)
SOURCE_COLUMNS = (
    "id",
    "slug",
    "title",
    "outlet__name",
    "issuer",
    "kind",
    "url",
    "archive_url",
    *_date_columns("published"),
    "retrieved_at",
)
CITATION_COLUMNS = (
    "pk",
    *(f"source__{column}" for column in SOURCE_COLUMNS),
    "quote",
    "quote_prefix",
    "quote_suffix",
    "translation",
    "locator",
    "stance",
    "note",
    "quote_found",
)


_SOURCE_END = 1 + len(SOURCE_COLUMNS)  # in a citation row, after its pk and its source's columns


def claim_rows(claims) -> list[tuple]:
    """CLAIM_COLUMNS of claims already loaded as model instances (an API page)."""
    return [tuple(getattr(claim, column) for column in CLAIM_COLUMNS) for claim in claims]


class RecordAssembler:
    """Turns batches of claim rows (CLAIM_COLUMNS) into records; `absolute` turns a
    site path into a full URL."""

    def __init__(self, absolute):
        self.claim_url = _url_maker("web:claim_detail", absolute)
        self.denial_url = _url_maker("web:denial_detail", absolute)
        self.source_url = _url_maker("web:source_detail", absolute)

    def records(self, rows) -> list[dict]:
        ids = [row[0] for row in rows]
        topics = self._named(Claim.topics.through, "topic", ids)
        subjects = self._named(Claim.subjects.through, "actor", ids)
        materiel = self._named(Claim.materiel.through, "materiel", ids)
        chains = self._relay_chains(ids)
        quantities, figure_of = self._quantities(ids)
        figures = self._citation_figures(ids, figure_of)
        citation_rows = _grouped(
            ClaimCitation.objects.filter(any_of("claim_id", ids))
            .order_by("claim_id", "position", "pk")
            .values_list("claim_id", *CITATION_COLUMNS)
        )
        denials_of, denials = self._denials(ids)
        links = self._links(ids)
        sources = {}  # source id -> its dict, built once a batch
        for denial in denials.values():
            denial["citations"] = [self._citation(row, sources) for row in denial.pop("_citations")]
        return [
            self._record(
                row,
                topics=topics[row[0]],
                subjects=subjects[row[0]],
                materiel=materiel[row[0]],
                relay_chain=chains[row[0]],
                quantities=quantities[row[0]],
                citations=[{**self._citation(c[1:], sources), "figures": figures[c[1]]} for c in citation_rows[row[0]]],
                denials=[denials[pk] for pk in denials_of[row[0]]],
                links=links[row[0]],
            )
            for row in rows
        ]

    def _record(self, row, **parts) -> dict:
        (_pk, slug, proposition, *rest) = row
        made, period_start, period_end = rest[0:5], rest[5:10], rest[10:15]
        certainty, hedge, status, likelihood, confidence, credibility, notes, version, created, updated = rest[15:]
        return {
            "slug": slug,
            "url": self.claim_url(slug),
            "proposition": proposition,
            **_date("made", *made),
            **_date("period_start", *period_start),
            **_date("period_end", *period_end),
            "certainty": certainty,
            "hedge": hedge,
            "status": status,
            "likelihood": likelihood or None,
            "confidence": confidence or None,
            "credibility": credibility,
            **parts,
            "notes": notes,
            "version": version,
            "recorded": created.isoformat(),
            "revised": updated.isoformat(),
        }

    @staticmethod
    def _named(through, name: str, ids) -> defaultdict:
        """claim id -> [{slug, name}] of a many-to-many, in the related model's order (by name)."""
        rows = (
            through.objects.filter(any_of("claim_id", ids))
            .order_by(f"{name}__name", f"{name}_id")
            .values_list("claim_id", f"{name}__slug", f"{name}__name")
        )
        groups = defaultdict(list)
        for claim_id, slug, name_ in rows:
            groups[claim_id].append({"slug": slug, "name": name_})
        return groups

    @staticmethod
    def _relay_chains(ids) -> defaultdict:
        rows = (
            Attribution.objects.filter(any_of("claim_id", ids))
            .order_by("claim_id", "position")
            .values_list(
                "claim_id",
                "position",
                "actor__slug",
                "actor__name",
                "speaker",
                "role",
                "channel",
                *_date_columns("date"),
                "document__slug",
            )
        )
        chains = defaultdict(list)
        for claim_id, position, actor_slug, actor_name, speaker, role, channel, *date, document in rows:
            chains[claim_id].append(
                {
                    "position": position,
                    "actor": {"slug": actor_slug, "name": actor_name},
                    "speaker": speaker,
                    "role": role,
                    "channel": channel,
                    **_date("date", *date),
                    "document": document,
                }
            )
        return chains

    @staticmethod
    def _quantities(ids) -> tuple[defaultdict, dict]:
        """claim id -> its figures; and quantity id -> its position (from 1) in them."""
        rows = (
            Quantity.objects.filter(any_of("claim_id", ids))
            .order_by("claim_id", "position", "pk")
            .values_list(
                "claim_id",
                "pk",
                "kind",
                "comparator",
                "low",
                "high",
                "unit",
                "item",
                "as_worded",
                "materiel__slug",
                *_date_columns("as_of"),
                "certainty",
            )
        )
        quantities, figure_of = defaultdict(list), {}
        for claim_id, pk, kind, comparator, low, high, unit, item, as_worded, materiel, *as_of, certainty in rows:
            figures = quantities[claim_id]
            figures.append(
                {
                    "reading": _reading(kind, comparator, low, high, unit, item),
                    "as_worded": as_worded,
                    "comparator": comparator,
                    "low": _number(low),
                    "high": _number(high),
                    "unit": unit,
                    "item": item,
                    "materiel": materiel,
                    **_date("as_of", *as_of),
                    "kind": kind,
                    "certainty": certainty or None,
                }
            )
            figure_of[pk] = len(figures)
        return quantities, figure_of

    @staticmethod
    def _citation_figures(ids, figure_of) -> defaultdict:
        rows = (
            CitationFigure.objects.filter(any_of("citation__claim_id", ids))
            .order_by("citation_id", "quantity__position", "pk")
            .values_list("citation_id", "quantity_id", "as_worded")
        )
        figures = defaultdict(list)
        for citation_id, quantity_id, as_worded in rows:
            figures[citation_id].append({"figure": figure_of[quantity_id], "as_worded": as_worded})
        return figures

    def _denials(self, ids) -> tuple[defaultdict, dict]:
        """claim id -> the ids of the published denials answering it, in the denials' order;
        and denial id -> its record (its citations still as rows, under `_citations`)."""
        answers = (
            Denial.claims.through.objects.filter(any_of("claim_id", ids), denial__state=PublicationState.PUBLISHED)
            .order_by(
                F("denial__made_earliest").desc(nulls_last=True),
                F("denial__made_latest").desc(nulls_last=True),
                "denial__slug",
            )
            .values_list("claim_id", "denial_id")
        )
        denials_of = defaultdict(list)
        for claim_id, denial_id in answers:
            denials_of[claim_id].append(denial_id)
        denial_ids = {pk for pks in denials_of.values() for pk in pks}
        if not denial_ids:
            return denials_of, {}
        deniers = _grouped(
            Denial.deniers.through.objects.filter(any_of("denial_id", denial_ids))
            .order_by("actor__name", "actor_id")
            .values_list("denial_id", "actor__slug", "actor__name")
        )
        other_kinds = _grouped(
            DenialOtherKind.objects.filter(any_of("denial_id", denial_ids))
            .order_by("denial_id", "kind")
            .values_list("denial_id", "kind")
        )
        citations = _grouped(
            DenialCitation.objects.filter(any_of("denial_id", denial_ids))
            .order_by("denial_id", "position", "pk")
            .values_list("denial_id", *CITATION_COLUMNS)
        )
        denials = {}
        rows = Denial.objects.filter(any_of("id", denial_ids)).values_list(
            "pk", "slug", "statement", "kind", *_date_columns("made"), "channel"
        )
        for pk, slug, statement, kind, *made, channel in rows:
            denials[pk] = {
                "slug": slug,
                "url": self.denial_url(slug),
                "statement": statement,
                "kind": kind,
                "kinds": [kind, *(other for _, other in other_kinds[pk] if other != kind)],
                **_date("made", *made),
                "channel": channel,
                "deniers": [{"slug": s, "name": n} for _, s, n in deniers[pk]],
                "_citations": [row[1:] for row in citations[pk]],
            }
        return denials_of, denials

    @staticmethod
    def _links(ids) -> defaultdict:
        """claim id -> its links to published claims: those it makes, then those made to it."""
        published = PublicationState.PUBLISHED
        # Two indexed halves in one query, each joining only the other claim: an OR
        # across both joins would scan every link and every claim.
        made = (
            ClaimLink.objects.filter(any_of("from_claim_id", ids), to_claim__state=published)
            .annotate(other=F("to_claim__slug"), direction=Value("out"))
            .order_by()  # SQLite takes no ORDER BY inside a UNION
            .values_list("from_claim_id", "to_claim_id", "kind", "other", "direction")
        )
        received = (
            ClaimLink.objects.filter(any_of("to_claim_id", ids), from_claim__state=published)
            .annotate(other=F("from_claim__slug"), direction=Value("in"))
            .order_by()
            .values_list("from_claim_id", "to_claim_id", "kind", "other", "direction")
        )
        out, inward = defaultdict(list), defaultdict(list)
        for from_id, to_id, kind, other, direction in made.union(received, all=True).order_by(
            "from_claim_id", "kind", "to_claim_id"
        ):
            if direction == "out":
                out[from_id].append({"kind": kind, "direction": "out", "claim": other})
            else:
                inward[to_id].append({"kind": kind, "direction": "in", "claim": other})
        for claim_id, links in inward.items():
            out[claim_id].extend(links)  # those it makes, then those made to it
        return out

    def _source(self, row) -> dict:
        slug, title, outlet, issuer, kind, url, archive_url, *published, retrieved_at = row
        return {
            "slug": slug,
            "title": title,
            "outlet": outlet,  # None: an unpublished document
            "issuer": issuer,
            "kind": kind,
            "url": url,
            "archive_url": archive_url,
            **_date("published", *published),
            "retrieved_at": _isoformat(retrieved_at),
            "record_url": self.source_url(slug),
        }

    def _citation(self, row, sources) -> dict:
        """A citation's keys from its row (CITATION_COLUMNS); `sources` keeps each source's
        dict, shared by the citations of one batch."""
        source_id = row[1]
        source = sources.get(source_id)
        if source is None:
            source = sources[source_id] = self._source(row[2:_SOURCE_END])
        quote, prefix, suffix, translation, locator, stance, note, quote_found = row[_SOURCE_END:]
        return {
            "source": source,
            "quote": quote,
            "quote_prefix": prefix,
            "quote_suffix": suffix,
            "translation": translation,
            "locator": locator,
            "stance": stance,
            "note": note,
            "quote_found": quote_found,
        }


def stream_records(queryset, absolute, batch_size: int | None = None):
    """The records of the queryset's claims, in its order, a batch at a time. The claims
    are read through one server-side cursor; closing this generator closes it."""
    assembler = RecordAssembler(absolute)
    batch_size = batch_size or BATCH_SIZE
    rows = queryset.prefetch_related(None).values_list(*CLAIM_COLUMNS).iterator(chunk_size=batch_size)
    try:
        for batch in batched(rows, batch_size):
            yield from assembler.records(batch)
    finally:
        rows.close()  # on GeneratorExit too: the cursor is closed, the query stopped


def records_of(claims, absolute) -> list[dict]:
    """The records of claims already loaded (an API page or one claim)."""
    return RecordAssembler(absolute).records(claim_rows(claims)) if claims else []
