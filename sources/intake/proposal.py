"""A proposed Source: its fields, its outlet, the stored sources it derives from, flags.

`propose()` reads a document (extract.py), matches its outlet by domain, finds the
stored texts it shares bands with (signatures.py), aligns the best of them (compare.py)
and returns a Proposal; it writes nothing. `accept()` writes a proposal: the outlet if
new, the source and its derivations, in one transaction and one history revision, each
through the model's full_clean() as the admin does.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q

from history.tracking import recording
from operations.slugs import slug_for
from sources.date_fields import ReportedDate
from sources.intake import compare, extract, signatures
from sources.models import Derivation, Outlet, OutletKind, Source, SourceKind, normalize_url

DATE_LATER_THAN_ORIGINAL = "date_later_than_original"
ALREADY_STORED = "already_stored"
LANGUAGE_ASSUMED = "language_assumed"


@dataclass
class ProposedOutlet:
    """The outlet matched by domain (`id` set), or a new one to create."""

    name: str
    slug: str
    domain: str
    kind: str = OutletKind.OTHER
    id: int | None = None

    @property
    def is_new(self) -> bool:
        return self.id is None


@dataclass
class ProposedDerivation:
    kind: str
    derived_from_id: int
    derived_from_slug: str
    derived_from_title: str
    score: float
    new_in_stored: float
    stored_in_new: float
    estimated_similarity: float
    passages: list[compare.Passage]


@dataclass
class Flag:
    code: str
    message: str
    source_slug: str = ""  # the stored source it concerns, if any


@dataclass
class Proposal:
    format: str
    source: dict  # Source field -> value, as accept() will write them
    outlet: ProposedOutlet | None
    derivations: list[ProposedDerivation] = field(default_factory=list)
    candidates: list[ProposedDerivation] = field(default_factory=list)  # every text aligned, kind or not
    flags: list[Flag] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The proposal as plain JSON values (`manage.py intake --json`)."""
        outlet = None
        if self.outlet:
            outlet = {**asdict(self.outlet), "new": self.outlet.is_new}
        return {
            "format": self.format,
            "source": {**self.source, "authors": self.source["authors"].splitlines()},
            "outlet": outlet,
            "derivations": [asdict(d) for d in self.derivations],
            "candidates": [
                {k: v for k, v in asdict(c).items() if k != "passages"} | {"passages": len(c.passages)}
                for c in self.candidates
            ],
            "flags": [asdict(f) for f in self.flags],
        }


def propose(raw: bytes, *, format: str, url: str = "", using: str = DEFAULT_DB_ALIAS) -> Proposal:  # noqa: A002
    """A proposal for the document in `raw` (HTML, PDF or plain text), published at `url`
    when known. Raises extract.ExtractionError for input with no readable text."""
    found = extract.extract(raw, format=format)
    address = _http_url(url) or _http_url(found.url)
    outlet = _outlet(address, found.site_name, using)
    flags = []
    language = found.language
    if not language:
        language = "en"
        flags.append(Flag(LANGUAGE_ASSUMED, "The document does not say its language: English assumed."))
    # No outlet known: an unpublished document ("other") until an analyst says otherwise.
    kind = SourceKind.OTHER
    if outlet:
        kind = SourceKind.REPORT if found.format == "pdf" else SourceKind.ARTICLE
    title = found.title or found.text.split("\n", 1)[0][:500]
    source = {
        "title": title,
        "slug": slug_for(title, Source.objects.using(using), fallback="source"),
        "url": address,
        "kind": kind,
        "authors": "\n".join(found.authors),
        "language": language,
        "published": found.published,
        "text": found.text,
        "raw_sha256": found.raw_sha256,
    }
    proposal = Proposal(format=found.format, source=source, outlet=outlet, flags=flags)
    stored = _already_stored(source, using)
    proposal.flags += [
        Flag(ALREADY_STORED, f"Already stored as {slug!r}: the same URL or file.", source_slug=slug)
        for slug in stored.values()
    ]
    _find_derivations(proposal, using, exclude=stored)
    return proposal


def _http_url(url: str) -> str:
    url = (url or "").strip()
    return normalize_url(url) if url.lower().startswith(("http://", "https://")) else ""


def _outlet(address: str, site_name: str, using: str) -> ProposedOutlet | None:
    """The stored outlet whose domain is the address's host or a parent of it (the
    longest: news.example.org before example.org), else a new one named after the site."""
    host = (urlsplit(address).hostname or "").lower().removeprefix("www.") if address else ""
    if not host:
        return None
    labels = host.split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]
    stored = {o.domain: o for o in Outlet.objects.using(using).filter(domain__in=domains)}
    for domain in domains:
        if domain in stored:
            match = stored[domain]
            return ProposedOutlet(name=match.name, slug=match.slug, domain=match.domain, kind=match.kind, id=match.pk)
    name = site_name or host
    slug = slug_for(name, Outlet.objects.using(using), key_words=False, fallback="outlet")
    return ProposedOutlet(name=name[:200], slug=slug, domain=host)


def _already_stored(source: dict, using: str) -> dict[int, str]:
    """Stored sources with the same address or the same file (id -> slug): this very
    document, which it does not derive from (the same text alone is what a verbatim copy
    has: see the derivations)."""
    same = Q(raw_sha256=source["raw_sha256"])
    if source["url"]:
        same |= Q(url=source["url"])
    return dict(Source.objects.using(using).filter(same).order_by("pk").values_list("pk", "slug")[:5])


def _find_derivations(proposal: Proposal, using: str, exclude=()) -> None:
    text = proposal.source["text"]
    probe = signatures.bands(signatures.minhash(text))
    found = signatures.candidates(probe, limit=settings.INTAKE_CANDIDATES, exclude=exclude, using=using)
    if not found:
        return
    shared = dict(found)
    stored = (
        Source.objects.using(using)
        .filter(pk__in=shared)
        .only("slug", "title", "text", "published_edtf", "published_earliest", "published_latest")
    )
    new_date = ReportedDate.parse(proposal.source["published"]) if proposal.source["published"] else None
    for original in sorted(stored, key=lambda s: (-shared[s.pk], s.pk)):
        result = compare.compare(text, original.text)
        candidate = ProposedDerivation(
            kind=result.kind or "",
            derived_from_id=original.pk,
            derived_from_slug=original.slug,
            derived_from_title=original.title,
            score=result.score,
            new_in_stored=result.new_in_stored,
            stored_in_new=result.stored_in_new,
            estimated_similarity=round(signatures.estimated_similarity(shared[original.pk]), 3),
            passages=result.passages,
        )
        proposal.candidates.append(candidate)
        if not result.kind:
            continue
        proposal.derivations.append(candidate)
        if result.kind == compare.REPUBLISHES and _later(new_date, original):
            proposal.flags.append(
                Flag(
                    DATE_LATER_THAN_ORIGINAL,
                    f"Dated {new_date.edtf}, after the original it copies ({original.published_edtf}): "
                    "a copy shown with a later date than the original's.",
                    source_slug=original.slug,
                )
            )
    proposal.derivations.sort(key=lambda d: -d.score)


def _later(new_date: ReportedDate | None, original: Source) -> bool:
    """The new document's earliest day is after the original's latest one."""
    latest: dt.date | None = original.published_latest
    return bool(new_date and new_date.earliest and latest and new_date.earliest > latest)


# --- Accepting a proposal ---------------------------------------------------------------


def accept(proposal: Proposal, *, user=None, using: str = DEFAULT_DB_ALIAS) -> tuple[Outlet | None, Source, list]:
    """Write the proposal: the outlet if new, the source, its derivations; all or nothing,
    one history revision ("intake"). Raises ValidationError (nothing written) when a
    record fails the admin's validation (a URL already stored, a slug taken since)."""
    with transaction.atomic(using=using), recording(reason="intake", user=user):
        outlet = None
        if proposal.outlet and proposal.outlet.is_new:
            p = proposal.outlet
            outlet = Outlet(name=p.name, slug=p.slug, domain=p.domain, kind=p.kind)
            _save(outlet, using)
        elif proposal.outlet:
            outlet = Outlet.objects.using(using).get(pk=proposal.outlet.id)
        fields = dict(proposal.source)
        published = fields.pop("published")
        source = Source(**fields, outlet=outlet)
        source.published = published or None
        _save(source, using)
        derivations = []
        for proposed in proposal.derivations:
            derivation = Derivation(
                source=source,
                derived_from_id=proposed.derived_from_id,
                kind=proposed.kind,
                note=f"Proposed by intake: score {proposed.score:.2f}, {len(proposed.passages)} shared passages.",
            )
            _save(derivation, using)
            derivations.append(derivation)
    return outlet, source, derivations


def _save(instance, using: str) -> None:
    instance.full_clean()
    instance.save(using=using)
