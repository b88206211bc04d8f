"""Claims as data: CSV, JSON and NDJSON, streamed.

One record per claim, with its figures, relay chain, citations (the quotes), the
published denials that answer it and its links to other claims. JSON and NDJSON carry
the record as nested objects; CSV flattens it into the columns of CSV_COLUMNS, joining
the parts of a many-valued column with " | ". The names are documented in README
("Exports and API") and are stable: a column may be added at the end, never renamed or
removed.

Each reported date X (made, period_start, ..., a source's published) is X, its EDTF
text (a plain date reads as it always has: 2023-11-01, 2023-08, 2023), X_precision (day,
month or year for a plain date, else null), then X_earliest and X_latest (the first and
last day it allows, null where open), X_as_worded (the source's words) and X_inferred.
JSON keeps a date's keys together; CSV adds the four new columns at its end.

The records are assembled set-wise, a batch of claims at a time, by
web.export.records: memory stays flat and the number of queries depends only on the
number of batches, whatever the number of rows.
"""

import csv
import io
import json
from decimal import Decimal

from sources.date_fields import precision_of
from web.export.records import stream_records
from web.export.spec import CLAIM, csv_columns

# As json.dumps(record, ensure_ascii=False) writes it, without the check for circular
# references (a record is a tree), which costs a dictionary operation per object.
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
_FLUSH_AT = 64 * 1024  # characters gathered before a piece of the response is sent

# A CSV cell starting with one of these is run as a formula by spreadsheets; quotes and
# titles come from untrusted pages, so such a cell is prefixed with an apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = csv_columns(CLAIM)  # README "Exports and API": names never renamed nor moved


def _date(obj, name: str) -> dict:
    """The keys of the reported date `name` of `obj` (see the module's docstring). Read
    from the columns, so that the words of a date not yet worked out are kept too."""
    edtf = getattr(obj, f"{name}_edtf")
    earliest, latest = getattr(obj, f"{name}_earliest"), getattr(obj, f"{name}_latest")
    return {
        name: edtf or None,
        f"{name}_precision": precision_of(edtf) or None,
        f"{name}_earliest": earliest.isoformat() if earliest else None,
        f"{name}_latest": latest.isoformat() if latest else None,
        f"{name}_as_worded": getattr(obj, f"{name}_as_worded"),
        f"{name}_inferred": getattr(obj, f"{name}_inferred"),
    }


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _actor(actor) -> dict:
    return {"slug": actor.slug, "name": actor.name}


def _source(source, absolute) -> dict:
    return {
        "slug": source.slug,
        "title": source.title,
        "outlet": source.outlet.name if source.outlet_id else None,  # None: an unpublished document
        "issuer": source.issuer,
        "kind": source.kind,
        "url": source.url,
        "archive_url": source.archive_url,
        **_date(source, "published"),
        "retrieved_at": source.retrieved_at.isoformat() if source.retrieved_at else None,
        "record_url": absolute(source.get_absolute_url()),
    }


def _citation(citation, absolute) -> dict:
    return {
        "source": _source(citation.source, absolute),
        "quote": citation.quote,
        "quote_prefix": citation.quote_prefix,
        "quote_suffix": citation.quote_suffix,
        "translation": citation.translation,
        "locator": citation.locator,
        "stance": citation.stance,
        "note": citation.note,
        "quote_found": citation.quote_found,
    }


# --- CSV ------------------------------------------------------------------------------


def _join(parts) -> str:
    return " | ".join(" ".join(str(p).split()) for p in parts if p)


def _cite_text(c: dict) -> str:
    s = c["source"]
    publisher = s["outlet"] or s["issuer"]  # an unpublished document: the body that issued it
    where = ", ".join(x for x in (s["title"], publisher, s["published"], c["locator"], s["url"]) if x)
    return f"“{c['quote']}” ({where})" if c["quote"] else f"({where})"


def _step_details(link: dict) -> tuple:
    """What the CSV says of a step of the chain, after its actor: role; channel;
    the unnamed speaker ("intelligence officials"); date."""
    return link["role"], link["channel"], link["speaker"], link["date"]


def csv_row(record: dict) -> list:
    chain = " → ".join(
        f"{link['actor']['name']} ({'; '.join(x for x in _step_details(link) if x)})" for link in record["relay_chain"]
    )
    quantities = _join(
        q["reading"]
        + (f" (“{q['as_worded']}”)" if q["as_worded"] else "")
        + (f" [{q['certainty']}]" if q["certainty"] else "")
        for q in record["quantities"]
    )
    denials = _join(
        f"{d['statement']} ({d['kind']}; {', '.join(a['name'] for a in d['deniers'])}; "
        f"{d['made'] or 'undated'}; {d['url']})"
        for d in record["denials"]
    )
    flat = {
        **record,
        "topics": _join(t["slug"] for t in record["topics"]),
        "subjects": _join(a["name"] for a in record["subjects"]),
        "materiel": _join(m["slug"] for m in record["materiel"]),
        "relay_chain": chain,
        "quantities": quantities,
        "citation_count": len(record["citations"]),
        "citations": _join(_cite_text(c) for c in record["citations"]),
        "denial_count": len(record["denials"]),
        "denials": denials,
        "links": _join(
            f"{x['kind']} {x['claim']}" if x["direction"] == "out" else f"{x['claim']} {x['kind']} this"
            for x in record["links"]
        ),
    }
    return [_cell(flat[column]) for column in CSV_COLUMNS]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON writes it
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# --- Streams --------------------------------------------------------------------------


def records(queryset, absolute):
    return stream_records(queryset, absolute)


def _buffered(pieces):
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= _FLUSH_AT:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def stream_csv(queryset, absolute):
    """UTF-8 with a byte-order mark, so that spreadsheets read 북한 and Сергей Лавров."""

    def pieces():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        yield "\ufeff" + out.getvalue()
        for record in records(queryset, absolute):
            out.seek(0)
            out.truncate()
            writer.writerow(csv_row(record))
            yield out.getvalue()

    return _buffered(pieces())


def stream_json(queryset, absolute):
    def pieces():
        yield "["
        separator = "\n"
        for record in records(queryset, absolute):
            yield separator + _encode(record)
            separator = ",\n"
        yield "\n]\n"

    return _buffered(pieces())


def stream_ndjson(queryset, absolute):
    return _buffered(_encode(record) + "\n" for record in records(queryset, absolute))


STREAMS = {
    "csv": (stream_csv, "text/csv; charset=utf-8; header=present"),
    "json": (stream_json, "application/json"),
    "ndjson": (stream_ndjson, "application/x-ndjson"),
}


def denial_record(denial, absolute) -> dict:
    """One denial, as the API gives it. `denial` comes from Denial.objects.for_detail()."""
    return {
        "slug": denial.slug,
        "url": absolute(denial.get_absolute_url()),
        "statement": denial.statement,
        "kind": denial.kind,
        "kinds": denial.kinds,
        **_date(denial, "made"),
        "channel": denial.channel,
        "deniers": [_actor(a) for a in denial.deniers.all()],
        "claims": [c.slug for c in denial.public_claims],
        "citations": [_citation(c, absolute) for c in denial.citations.all()],
        "notes": denial.notes,
        "version": denial.version,
        "recorded": denial.created_at.isoformat(),
        "revised": denial.updated_at.isoformat(),
    }
