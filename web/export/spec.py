"""The claim record, declared once: its fields, their types, help and nesting.

From this declaration come the CSV columns (csv_columns()), the API's serializers and
so its OpenAPI schema (serializer_for()), and the key order that web.export.records
assembles (tests/test_export_data.py checks every record against it). The values are
assembled set-wise by web.export.records; no serializer builds a record.
"""

from dataclasses import dataclass

from claims.models import (
    AttributionRole,
    CitationStance,
    ClaimCertainty,
    ClaimConfidence,
    ClaimLikelihood,
    ClaimLinkKind,
    ClaimStatus,
    Credibility,
    DenialKind,
    QuantityComparator,
    QuantityKind,
)
from sources.date_fields import EDTF_HELP
from sources.models import SourceKind

PRECISIONS = ["day", "month", "year"]


@dataclass(frozen=True)
class Field:
    """One key of a record. `kind` is a scalar type (text, slug, url, int, float, bool,
    date, datetime, choice), "list" (of `of`, a scalar Field) or "record" (`of`, a
    Record; `many` for a list of them)."""

    name: str
    kind: str
    help: str = ""
    null: bool = False
    blank: bool = False
    choices: tuple | list | None = None
    of: "Field | Record | None" = None
    many: bool = False
    csv_late: bool = False  # a column added after the first release: at the CSV's end
    csv_count: str = ""  # a CSV-only column before this one counting its items


@dataclass(frozen=True)
class Record:
    name: str  # the OpenAPI component: "Claim", "RelayLink"
    fields: tuple[Field, ...]
    extends: "Record | None" = None  # its fields come first

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return (self.extends.all_fields if self.extends else ()) + self.fields

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.all_fields]


def text(name, help="", **kwargs) -> Field:
    return Field(name, "text", help, **kwargs)


def choice(name, choices, help="", **kwargs) -> Field:
    return Field(name, "choice", help, choices=choices, **kwargs)


_DATE_HELP = "A plain date reads as ISO 8601. Null when undated."


def reported_date(name: str, *, csv_late: bool = False) -> tuple[Field, ...]:
    """The six keys of a reported date X: X, X_precision, X_earliest, X_latest,
    X_as_worded, X_inferred (web.export.data's docstring). With csv_late, the last four
    go at the CSV's end, where they were added."""
    return (
        text(name, f"The date as reported, in {EDTF_HELP} {_DATE_HELP}", null=True),
        choice(f"{name}_precision", PRECISIONS, "The precision of a plain date; null for any other.", null=True),
        Field(
            f"{name}_earliest",
            "date",
            "The first day the date allows; null when its start is open or unknown.",
            null=True,
            csv_late=csv_late,
        ),
        Field(
            f"{name}_latest",
            "date",
            "The last day the date allows; null when its end is open or unknown.",
            null=True,
            csv_late=csv_late,
        ),
        text(
            f"{name}_as_worded", "The source's own words for the date: 'early August'.", blank=True, csv_late=csv_late
        ),
        Field(
            f"{name}_inferred",
            "bool",
            "True when an analyst worked the date out from relative wording ('last Friday').",
            csv_late=csv_late,
        ),
    )


ISSUER_HELP = (
    "The body that issued an unpublished document (a closed-door briefing, a report to lawmakers): "
    "'National Intelligence Service'; blank for a published one."
)
KINDS_HELP = "Every kind the denial is, its sharpest (`kind`) first: a dismissal that is also a counter-claim."

REF = Record("Ref", (Field("slug", "slug"), text("name")))

RELAY_LINK = Record(
    "RelayLink",
    (
        Field("position", "int", "Place in the chain, from the origin (1) towards the public."),
        Field("actor", "record", of=REF),
        text("speaker", "Who spoke for the actor, in words, when unnamed: 'a defence ministry official'.", blank=True),
        choice("role", AttributionRole.choices),
        text("channel", blank=True),
        *reported_date("date"),
        Field(
            "document",
            "slug",
            "Slug of the source the actor spoke through (a briefing, a report: often an unpublished "
            "document, known through the sources citing it); null when none is recorded.",
            null=True,
        ),
    ),
)

QUANTITY = Record(
    "Quantity",
    (
        text("reading", "Normalised reading: 'more than 1,000,000 artillery shells'."),
        text("as_worded", "The figure as the source words it.", blank=True),
        choice("comparator", QuantityComparator.choices),
        Field("low", "float", null=True),
        Field("high", "float", null=True),
        text("unit", blank=True),
        text("item"),
        Field("materiel", "slug", null=True),
        *reported_date("as_of"),
        choice(
            "kind",
            QuantityKind.choices,
            "What the figure measures: count, cumulative, capacity, rate, estimate, equivalent.",
        ),
        choice(
            "certainty",
            ClaimCertainty.choices,
            "The claimant's certainty of this figure when it differs from the claim's; null: as the claim.",
            null=True,
        ),
    ),
)

CITED_SOURCE = Record(
    "CitedSource",
    (
        Field("slug", "slug"),
        text("title"),
        text("outlet", "The outlet that published it; null for an unpublished document.", null=True),
        text("issuer", ISSUER_HELP, blank=True),
        choice("kind", SourceKind.choices),
        text("url", blank=True),
        text("archive_url", blank=True),
        *reported_date("published"),
        Field("retrieved_at", "datetime", "When an analyst last read it.", null=True),
        Field("record_url", "url", "The source's page in the knowledge base."),
    ),
)

CITATION = Record(
    "Citation",
    (
        Field("source", "record", of=CITED_SOURCE),
        text("quote", "The words exactly as they stand in the source.", blank=True),
        text("quote_prefix", blank=True),
        text("quote_suffix", blank=True),
        text("translation", blank=True),
        text("locator", blank=True),
        choice("stance", CitationStance.choices),
        text("note", blank=True),
        Field("quote_found", "bool", "False: the quote no longer appears in the source's stored text.", null=True),
    ),
)

CITATION_FIGURE = Record(
    "CitationFigure",
    (
        Field("figure", "int", "The figure's position (from 1) in the claim's quantities."),
        text("as_worded", "The figure exactly as this source words it."),
    ),
)

CLAIM_CITATION = Record(
    "ClaimCitation",
    (Field("figures", "record", "The claim's figures as this source worded them.", of=CITATION_FIGURE, many=True),),
    extends=CITATION,
)

ANSWERING_DENIAL = Record(
    "AnsweringDenial",
    (
        Field("slug", "slug"),
        Field("url", "url"),
        text("statement"),
        choice("kind", DenialKind.choices, "Its sharpest kind."),
        Field("kinds", "list", KINDS_HELP, of=choice("kind", DenialKind.choices)),
        *reported_date("made"),
        text("channel", blank=True),
        Field("deniers", "record", of=REF, many=True),
        Field("citations", "record", of=CITATION, many=True),
    ),
)

CLAIM_LINK = Record(
    "ClaimLink",
    (
        choice("kind", ClaimLinkKind.choices),
        choice(
            "direction",
            ["out", "in"],
            "out: this claim <kind> the other; in: the other <kind> this claim.",
        ),
        Field("claim", "slug"),
    ),
)

CLAIM = Record(
    "Claim",
    (
        Field("slug", "slug"),
        Field("url", "url", "The claim's permalink."),
        text("proposition"),
        *reported_date("made", csv_late=True),
        *reported_date("period_start", csv_late=True),
        *reported_date("period_end", csv_late=True),
        choice("certainty", ClaimCertainty.choices, "The claimant's own certainty."),
        text("hedge", blank=True),
        choice("status", ClaimStatus.choices, "Our assessment of where it stands."),
        choice("likelihood", ClaimLikelihood.choices, null=True),
        choice("confidence", ClaimConfidence.choices, null=True),
        choice("credibility", Credibility.choices, null=True),
        Field("topics", "record", of=REF, many=True),
        Field("subjects", "record", of=REF, many=True),
        Field("materiel", "record", of=REF, many=True),
        Field("relay_chain", "record", of=RELAY_LINK, many=True),
        Field("quantities", "record", of=QUANTITY, many=True),
        Field("citations", "record", of=CLAIM_CITATION, many=True, csv_count="citation_count"),
        Field(
            "denials",
            "record",
            "Published denials that answer the claim.",
            of=ANSWERING_DENIAL,
            many=True,
            csv_count="denial_count",
        ),
        Field("links", "record", of=CLAIM_LINK, many=True),
        text("notes", blank=True),
        Field("version", "int"),
        Field("recorded", "datetime"),
        Field("revised", "datetime"),
    ),
)


def csv_columns(record: Record) -> list[str]:
    """The CSV's columns: the record's keys in order, a count before each list that has
    one, and the columns added later (csv_late) at the end, so none ever moves."""
    columns, late = [], []
    for f in record.all_fields:
        if f.csv_late:
            late.append(f.name)
            continue
        if f.csv_count:
            columns.append(f.csv_count)
        columns.append(f.name)
    return columns + late


def record_keys(record: Record, value: dict) -> list[str]:
    """Where a record's keys differ from the declaration, recursively: [] when it conforms."""
    problems = []
    if list(value) != record.names:
        problems.append(f"{record.name}: {list(value)} != {record.names}")
    for f in record.all_fields:
        if f.kind == "record" and f.name in value and value[f.name] is not None:
            items = value[f.name] if f.many else [value[f.name]]
            for item in items:
                problems += record_keys(f.of, item)
    return problems
