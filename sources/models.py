"""Where information comes from: outlets, the documents they publish, and how one
document derives from another. This app knows nothing about claims."""

import hashlib
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left, Length, Lower
from django.db.models.lookups import Exact
from django.urls import reverse

from history.tracking import TrackedHistory, TrackedModel, VersionedModel
from sources.date_fields import (
    ReportedDateAccessor,
    ReportedDates,
    newest_first_index,
    reported_date,
    reported_date_indexes,
    reported_date_rules,
)

country_code = RegexValidator(r"^[A-Z]{2}$", "Use an ISO 3166-1 alpha-2 code in capitals, such as KR or RU.")
http_url = URLValidator(schemes=["http", "https"])


class Reliability(models.TextChoices):
    """NATO Admiralty code, source reliability."""

    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


RELIABILITY_HELP = (
    "NATO Admiralty grade of the source's reliability, judged on its track record: "
    "A completely reliable, B usually reliable, C fairly reliable, D not usually reliable, "
    "E unreliable, F cannot be judged (new or unknown). It grades the messenger, not the message."
)


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment and utm_* tracking parameters.

    Two links to the same document then compare equal, so the unique constraint on
    Source.url catches duplicates that differ only in tracking noise. Everything else
    (path, other parameters, their encoding) is left exactly as the publisher serves it.
    """
    if not url:
        return ""
    parts = urlsplit(url.strip())
    userinfo, _, host = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@{host.lower()}" if userinfo else host.lower()
    query = parts.query
    if any(p.split("=", 1)[0].lower().startswith("utm_") for p in query.split("&")):
        query = "&".join(p for p in query.split("&") if not p.split("=", 1)[0].lower().startswith("utm_"))
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def http_url_constraint(field: str, name: str, label: str) -> models.CheckConstraint:
    """Only http(s) links, compared case-sensitively on every backend (SQLite's LIKE,
    behind startswith, ignores case)."""
    return models.CheckConstraint(
        condition=Q(**{field: ""}) | Q(Exact(Left(field, 7), "http://")) | Q(Exact(Left(field, 8), "https://")),
        name=name,
        violation_error_message=f"The {label} must start with http:// or https://.",
    )


def country_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
        name=name,
        violation_error_message="Use an ISO 3166-1 alpha-2 code in capitals, such as KR or RU.",
    )


class OutletKind(models.TextChoices):
    WIRE_AGENCY = "wire_agency", "wire agency"
    NEWSPAPER = "newspaper", "newspaper"
    BROADCASTER = "broadcaster", "broadcaster"
    GOVERNMENT = "government", "government"
    INTERGOVERNMENTAL = "intergovernmental", "intergovernmental organisation"
    THINK_TANK = "think_tank", "think tank"
    AGGREGATOR = "aggregator", "aggregator"
    CONTENT_FARM = "content_farm", "content farm"
    SOCIAL_PLATFORM = "social_platform", "social platform"
    OTHER = "other", "other"


class Outlet(TrackedModel):
    Kind = OutletKind

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, help_text="Stable part of the outlet's public URL.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    domain = models.CharField(
        max_length=253,
        blank=True,
        help_text="Web domain without scheme or path, e.g. apnews.com. Leave blank when unknown.",
    )
    country = models.CharField(
        max_length=2, blank=True, validators=[country_code], help_text="ISO 3166-1 alpha-2 code, e.g. US."
    )
    reliability = models.CharField(
        max_length=1, choices=Reliability.choices, default=Reliability.F, help_text=RELIABILITY_HELP
    )
    notes = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="outlet_slug_unique"),
            models.UniqueConstraint(
                fields=["domain"],
                condition=~Q(domain=""),
                name="outlet_domain_unique",
                violation_error_code="unique",  # reported on the domain field, not the whole form
                violation_error_message="Another outlet already has this domain.",
            ),
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")) & ~Q(domain__contains="/"),
                name="outlet_domain_is_bare_lowercase",
                violation_error_message="Give the domain in lower case, without scheme or path: apnews.com.",
            ),
            models.CheckConstraint(condition=Q(kind__in=OutletKind.values), name="outlet_kind_valid"),
            models.CheckConstraint(condition=Q(reliability__in=Reliability.values), name="outlet_reliability_valid"),
            country_constraint("outlet_country_is_two_letters"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("web:outlet_detail", args=[self.slug])

    def clean(self):
        self.domain = self.domain.strip().lower()


class SourceKind(models.TextChoices):
    ARTICLE = "article", "article"
    WIRE_STORY = "wire_story", "wire story"
    STATEMENT = "statement", "statement"
    BRIEFING = "briefing", "briefing"
    TRANSCRIPT = "transcript", "transcript"
    REPORT = "report", "report"
    SOCIAL_POST = "social_post", "social post"
    VIDEO = "video", "video"
    IMAGE = "image", "image"
    OTHER = "other", "other"


# What a document nobody published can be: known through the sources that cite it.
UNPUBLISHED_KINDS = (
    SourceKind.BRIEFING,
    SourceKind.REPORT,
    SourceKind.STATEMENT,
    SourceKind.TRANSCRIPT,
    SourceKind.OTHER,
)


class SourceQuerySet(models.QuerySet):
    """Reads of sources, each with its outlet and its derivations loaded in a constant
    number of queries whatever the number of rows."""

    def for_bibliography(self):
        """Sources as lists, exports and the API show them: outlet, and each derivation
        with its original and the original's outlet; no stored text (it can be long)."""
        return (
            self.select_related("outlet")
            .defer("text")
            .prefetch_related(
                models.Prefetch(
                    "derivations",
                    queryset=Derivation.objects.select_related("derived_from__outlet").defer("derived_from__text"),
                )
            )
        )

    def for_detail(self):
        """One source's page: outlet, text, what it derives from and what copies it,
        each with its outlet."""
        return self.select_related("outlet").prefetch_related(
            models.Prefetch("derivations", queryset=Derivation.objects.select_related("derived_from__outlet")),
            models.Prefetch("derived_copies", queryset=Derivation.objects.select_related("source__outlet")),
        )


class Source(ReportedDates, VersionedModel):
    Kind = SourceKind

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        help_text="Who published it. Leave blank for a document that was never published (a closed-door "
        "briefing, a report to lawmakers), known through the sources that cite it: add those as derivations.",
    )
    issuer = models.CharField(
        max_length=200,
        blank=True,
        help_text="The body that issued an unpublished document: 'National Intelligence Service'. "
        "Citations give it as the publisher.",
    )
    title = models.CharField(
        max_length=500,
        help_text="The headline or title as published; for an unpublished document, a plain description: "
        "'NIS briefing to the National Assembly Intelligence Committee'.",
    )
    slug = models.SlugField(max_length=150, help_text="Stable part of the source's public URL.")
    url = models.CharField(
        "URL",
        max_length=2000,
        blank=True,
        validators=[http_url],
        help_text="Where the document is published (http or https). Stored normalised: lower-case host, "
        "no #fragment, no utm_* tracking parameters. Leave blank when the document has no known address.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    authors = models.TextField(blank=True, help_text="One author per line, as credited: 'Kim Hyung-jin'.")
    language = models.CharField(
        max_length=35, default="en", help_text="BCP 47 language tag of the document: en, ko, ru, zh-Hant."
    )
    published_edtf, published_earliest, published_latest, published_as_worded, published_inferred = reported_date(
        "published", "The date the document itself gives, with its time when it shows one (2023-10-26T14:30:00+09:00)."
    )
    retrieved_at = models.DateTimeField(null=True, blank=True, help_text="When an analyst last read the document.")
    archive_url = models.CharField(
        "archive URL",
        max_length=2000,
        blank=True,
        validators=[http_url],
        help_text="A snapshot, e.g. on the Wayback Machine.",
    )
    text = models.TextField(blank=True, help_text="Plain-text snapshot of the document. Quotes are checked against it.")
    text_sha256 = models.CharField("text SHA-256", max_length=64, blank=True, editable=False)
    raw_sha256 = models.CharField(
        "file SHA-256",
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the file the text was taken from (the page's HTML, the PDF) as intake received it.",
    )
    reliability_override = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        blank=True,
        help_text="Grade this document differently from its outlet's usual grade. " + RELIABILITY_HELP,
    )
    notes = models.TextField(blank=True)

    published = ReportedDateAccessor()

    objects = SourceQuerySet.as_manager()

    history = TrackedHistory()
    history_parts = ("derivations",)

    class Meta:
        ordering = [F("published_earliest").desc(nulls_last=True), "title"]
        indexes = [*reported_date_indexes("source", "published"), newest_first_index("source", "published")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="source_slug_unique"),
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="source_url_unique",
                violation_error_code="unique",  # reported on the URL field, not the whole form
                violation_error_message="Another source already has this URL.",
            ),
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            http_url_constraint("url", "source_url_is_http", "URL"),
            http_url_constraint("archive_url", "source_archive_url_is_http", "archive URL"),
            models.CheckConstraint(
                condition=Q(reliability_override="") | Q(reliability_override__in=Reliability.values),
                name="source_reliability_override_valid",
            ),
            models.CheckConstraint(
                condition=(Q(text="") & Q(text_sha256="")) | Q(Exact(Length("text_sha256"), 64)),
                name="source_text_hash_present",
            ),
            models.CheckConstraint(
                condition=Q(raw_sha256="") | Q(Exact(Length("raw_sha256"), 64)),
                name="source_raw_hash_is_sha256",
            ),
            *reported_date_rules("source", "published"),
            models.CheckConstraint(
                condition=Q(outlet__isnull=False) | Q(kind__in=UNPUBLISHED_KINDS),
                name="source_unpublished_kind",
                violation_error_message="A source without an outlet is an unpublished document: "
                "a briefing, report, statement, transcript or other document.",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.publisher or 'unpublished'})"

    def save(self, *args, **kwargs):
        # Also on save, so every path (admin, importer, shell) stores the same form.
        self._derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("web:source_detail", args=[self.slug])

    @property
    def reliability(self) -> str:
        """The document's grade: its own, else its outlet's; F (cannot be judged) for an
        unpublished document graded by nobody."""
        return self.reliability_override or (self.outlet.reliability if self.outlet_id else Reliability.F)

    @property
    def is_unpublished(self) -> bool:
        return self.outlet_id is None

    @property
    def publisher(self) -> str:
        """Who put it out: the outlet, else the issuing body of an unpublished document."""
        return self.outlet.name if self.outlet_id else self.issuer

    @property
    def author_list(self) -> list[str]:
        return [line.strip() for line in self.authors.splitlines() if line.strip()]

    def clean(self):
        self._derive_fields()
        if self.outlet_id is None and self.kind not in UNPUBLISHED_KINDS:
            raise ValidationError(
                {"outlet": "Give the outlet that published it, or choose the kind of unpublished document it is."}
            )

    def _derive_fields(self):
        self.url = normalize_url(self.url)
        self.archive_url = normalize_url(self.archive_url)
        self.text_sha256 = hashlib.sha256(self.text.encode()).hexdigest() if self.text else ""


class DerivationKind(models.TextChoices):
    REPUBLISHES = "republishes", "republishes (verbatim copy)"
    SUMMARISES = "summarises", "summarises"
    QUOTES = "quotes", "quotes"
    TRANSLATES = "translates", "translates"
    CITES = "cites", "cites"


class Derivation(TrackedModel):
    """One document taken from another. Following derivations back to their roots
    counts the independent origins behind a claim: a verbatim copy is not a second
    confirmation."""

    Kind = DerivationKind

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="derivations")
    derived_from = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="derived_copies")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["source", "derived_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "derived_from"],
                name="derivation_unique_pair",
                violation_error_message="This derivation is already recorded.",
            ),
            models.CheckConstraint(
                condition=~Q(source=F("derived_from")),
                name="derivation_not_from_itself",
                violation_error_message="A source cannot derive from itself.",
            ),
            models.CheckConstraint(condition=Q(kind__in=DerivationKind.values), name="derivation_kind_valid"),
        ]

    def __str__(self):
        return f"{self.source.title} {self.kind} {self.derived_from.title}"

    def get_absolute_url(self):
        return self.source.get_absolute_url()

    def clean(self):
        if self.source_id and self.source_id == self.derived_from_id:
            raise ValidationError({"derived_from": "A source cannot derive from itself."})


class SourceSignatureBand(models.Model):
    """One band of a source's text signature (sources/intake/signatures.py): the index
    in which intake finds stored texts that a new document copies, summarises or quotes.

    Derived data, rewritten whenever a source's text changes and rebuilt set-wise by
    `manage.py index_sources`: never curated, so neither history-tracked nor backed up
    (operations/backup.py rebuilds it after a restore through `derived_rebuild`)."""

    derived_rebuild = "sources.intake.signatures.rebuild_all_bands"

    # Deleted with its source in one DELETE (no signal receivers on this model, so Django deletes fast).
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="signature_bands")
    band = models.PositiveSmallIntegerField()
    hash = models.BigIntegerField()

    class Meta:
        ordering = ["source", "band"]
        default_permissions = ()  # nobody edits them
        indexes = [models.Index(fields=["band", "hash"], name="source_band_hash")]
        constraints = [models.UniqueConstraint(fields=["source", "band"], name="source_signature_band_unique")]

    def __str__(self):
        return f"band {self.band} of source {self.source_id}"


class IntakeStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    FETCHING = "fetching", "fetching"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class IntakeInput(models.TextChoices):
    URL = "url", "address"
    FILE = "file", "file"
    TEXT = "text", "text"


class IntakeRequest(models.Model):
    """One document given to the intake page (sources/intake/): an address to fetch in
    the background, an uploaded file or pasted text, with what was read, until an analyst
    saves it as a source. Staff's working material, not public data: not tracked in the
    history and it does not raise the site's change counter (`public = False`,
    web/site_changes.py); a backup keeps its rows as any other."""

    public = False

    Status = IntakeStatus
    Input = IntakeInput

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    input = models.CharField(max_length=4, choices=Input.choices)
    url = models.CharField("URL", max_length=2000, blank=True, help_text="The address given, for a fetch.")
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, help_text="Why the fetch failed, for the analyst.")
    final_url = models.CharField(
        "final URL", max_length=2000, blank=True, help_text="Where the document was read, after redirects."
    )
    format = models.CharField(max_length=4, blank=True, help_text="html, pdf or text: how intake reads the content.")
    content = models.BinaryField(
        blank=True, default=b"", help_text="The bytes fetched, uploaded or pasted, at most INTAKE_FETCH_MAX_BYTES."
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The source saved."
    )

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()  # the intake page asks for sources.add_source
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IntakeStatus.values), name="intake_request_status_valid"),
            models.CheckConstraint(condition=Q(input__in=IntakeInput.values), name="intake_request_input_valid"),
        ]

    def __str__(self):
        return f"intake {self.pk} ({self.get_input_display()}, {self.status})"
