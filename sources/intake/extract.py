"""What a document says about itself: metadata and main text, from HTML, PDF or plain text.

HTML goes through trafilatura, which drops navigation, link lists ("Related",
"Ranking"), footers and comments, and reads the title, authors, date, site name and
canonical URL from the page's metadata and markup. Two things it does not give are read
here from the page itself: the time of publication (trafilatura keeps the day only), when
the page's own metadata gives the same day with a time, and the language the page
declares (`<html lang>`, `og:locale`), where trafilatura would need a language
identification model. PDF text and metadata come from pypdf.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from io import BytesIO

from django.utils.dateparse import parse_datetime


class ExtractionError(ValueError):
    """The input holds no readable document; the message says why."""


@dataclass
class Extracted:
    """A document as read from its bytes, nothing matched or stored yet."""

    format: str  # html, pdf or text
    raw_sha256: str
    text: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str = ""  # EDTF: a day, or a day with its time
    site_name: str = ""
    language: str = ""
    url: str = ""  # the page's canonical address, when it gives one


def extract(raw: bytes, *, format: str) -> Extracted:  # noqa: A002 - the input's format
    readers = {"html": extract_html, "pdf": extract_pdf, "text": extract_text}
    if format not in readers:
        raise ExtractionError(f"Unknown format {format!r}: give HTML, PDF or plain text.")
    found = readers[format](raw)
    if not found.text.strip():
        raise ExtractionError("No text found in it: nothing to propose.")
    return found


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def extract_text(raw: bytes) -> Extracted:
    """Pasted text is taken as it is: its first line is a likely title, not a known one."""
    text = _decode(raw).replace("\r\n", "\n").strip()
    first = text.split("\n", 1)[0].strip() if text else ""
    return Extracted(format="text", raw_sha256=_sha256(raw), text=text, title=first[:500])


def extract_html(raw: bytes) -> Extracted:
    import trafilatura
    from lxml import html as lxml_html

    page = _decode(raw)
    if not page.strip():
        raise ExtractionError("The file is empty.")
    # The bytes, not our decoding: trafilatura reads the page's declared charset.
    document = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_tables=False)
    if document is None:
        raise ExtractionError("No main text found in the page.")
    try:
        tree = lxml_html.fromstring(raw)
    except Exception:  # noqa: BLE001 - unparsable markup: metadata from trafilatura only
        tree = None
    title = (document.title or "").strip()
    text = _without_title((document.text or "").strip(), title)
    authors = [a.strip() for a in re.split(r";|\n", document.author or "") if a.strip()]
    return Extracted(
        format="html",
        raw_sha256=_sha256(raw),
        text=text,
        title=title[:500],
        authors=authors,
        published=_published(document.date or "", tree),
        site_name=(document.sitename or "").strip(),
        language=(document.language or _declared_language(tree))[:35],
        url=(document.url or "").strip(),
    )


def _without_title(text: str, title: str) -> str:
    """trafilatura keeps the page's headline as the text's first line: the title is a
    field of its own, and the snapshot is the body."""
    first, _, rest = text.partition("\n")
    return rest.strip() if title and first.strip() == title else text


# Where pages give their publication time, most specific first.
_TIME_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@name="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//meta[@property="og:published_time"]/@content',
    '//meta[@name="date"]/@content',
    "//time[@datetime]/@datetime",
)


def _published(day: str, tree) -> str:
    """The EDTF date: trafilatura's day, with the time the page's metadata gives for that
    same day (seconds kept, UTC written Z as EDTF wants); the bare day otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        return ""
    for xpath in _TIME_XPATHS if tree is not None else ():
        for value in tree.xpath(xpath):
            try:
                moment = parse_datetime(str(value).strip())
            except ValueError:  # well formed but impossible: 2024-02-30T10:00:00Z
                continue
            if moment is not None and moment.date().isoformat() == day and "T" in str(value):
                return _edtf_time(moment)
    return day


def _edtf_time(moment: dt.datetime) -> str:
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _declared_language(tree) -> str:
    if tree is None:
        return ""
    for value in (*tree.xpath("/html/@lang"), *tree.xpath('//meta[@property="og:locale"]/@content')):
        tag = str(value).strip().replace("_", "-")
        if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag):
            return tag
    return ""


def extract_pdf(raw: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ExtractionError(f"Not a readable PDF: {exc}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    title = str(meta.title or "").strip() if meta else ""
    author = str(meta.author or "").strip() if meta else ""
    try:
        created = meta.creation_date if meta else None
    except ValueError:  # a /CreationDate pypdf cannot read ("Tue May 1 2024"): no date
        created = None
    return Extracted(
        format="pdf",
        raw_sha256=_sha256(raw),
        text=text,
        title=(title or text.split("\n", 1)[0].strip())[:500],
        authors=[a.strip() for a in re.split(r";|\n", author) if a.strip()],
        published=created.date().isoformat() if isinstance(created, dt.datetime) else "",
    )
