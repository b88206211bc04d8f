"""A synthetic corpus of any size, for benchmarks and scale tests (`manage.py generate_corpus`).

It fills every model of claims and sources with the shapes a research desk accumulates:
a few huge topics and actors and a long tail (Zipf-Mandelbrot weights), about three
citations and two relay steps a claim, figures and how each source worded them, sources
republishing one another, denials answering several claims, claim links, and dates over
a decade at every precision EDTF gives (day, month, year, approximate, uncertain,
intervals, open-ended), with their earliest and latest days filled as a save would.
The vocabulary has common words and a long tail of rare ones (COMMON_WORD, RARE_WORD).

It is deterministic for a seed, writes no history, and knows its own records by their
slugs, all prefixed SLUG_PREFIX. On PostgreSQL rows are written to COPY files first and
loaded with `COPY ... FROM STDIN` after dropping the tables' indexes, unique and foreign
key constraints (read from pg_catalog and recreated after); on SQLite they are
bulk-created in batches.
"""

import calendar
import datetime as dt
import hashlib
import itertools
import random
import tempfile
import time
from bisect import bisect
from functools import cache
from pathlib import Path

from django.apps import apps
from django.db import connections, transaction
from django.utils.module_loading import import_string

from claims.models import (
    MAGNITUDES,
    Actor,
    ActorAlias,
    ActorKind,
    AttributionRole,
    CitationFigure,
    Claim,
    ClaimCertainty,
    ClaimCitation,
    ClaimConfidence,
    ClaimLikelihood,
    ClaimLink,
    ClaimLinkKind,
    ClaimStatus,
    Denial,
    DenialCitation,
    DenialKind,
    DenialOtherKind,
    DenialRedirect,
    Materiel,
    MaterielCategory,
    PublicationState,
    Quantity,
    QuantityComparator,
    QuantityKind,
    Topic,
)
from claims.models import Attribution as AttributionModel
from sources.models import Derivation, DerivationKind, Outlet, OutletKind, Reliability, Source, SourceKind

SLUG_PREFIX = "corpus-"

# Dotted paths of `step(using)` callables run after a corpus is loaded, in order, to
# rebuild data derived from the rows that COPY and bulk_create bypass (a search document
# per claim, a stored quote_found ...). Whoever adds such data adds its rebuild here.
REFRESH_STEPS: list[str] = [
    "claims.search_documents.rebuild_all_search_documents",
    "claims.models.refresh_all_quotes_found",
    # intake's copy index: about 2.7 s per 1,000 sources with a text (a tenth of the
    # corpus's sources have one), 5-10 s at 10,000 claims
    "sources.intake.signatures.rebuild_all_bands",
    "operations.http_cache.bump_site_version",  # public answers' validator (README, "HTTP caching")
]

# The records whose slugs say who made them: any other slug is someone else's data.
SLUGGED_MODELS = (Claim, Denial, Source, Outlet, Actor, Topic, Materiel)

FIRST_DAY = dt.date(2015, 1, 1)
DAYS = 3653  # a decade: 2015-01-01 .. 2024-12-31

# --- Vocabulary -------------------------------------------------------------------------

COMMON = [
    "weapons",
    "shipment",
    "border",
    "troops",
    "artillery",
    "shells",
    "missiles",
    "officials",
    "intelligence",
    "report",
    "sources",
    "supply",
    "deliveries",
    "military",
    "production",
    "factory",
    "trains",
    "ships",
    "port",
    "covert",
    "transfer",
    "sanctions",
    "ammunition",
    "drones",
    "rockets",
    "launchers",
    "satellite",
    "images",
    "evidence",
    "warehouse",
    "convoy",
    "rail",
    "container",
    "cargo",
    "front",
    "units",
    "stockpile",
    "exports",
    "agreement",
    "minister",
    "spokesman",
    "briefing",
    "lawmakers",
    "parliament",
    "analysts",
    "estimate",
]
_ONSETS = ("b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "n", "r", "l", "m", "k", "sk")
# Made-up words, many more than the common ones: the long tail a search meets.
RARE = [a + b + c + d + e for a, b, c, d, e in itertools.product(_ONSETS, _VOWELS, _ONSETS, _VOWELS, _CODAS)][::7]
VOCABULARY = COMMON + RARE
COMMON_WORD = VOCABULARY[0]  # in about a third of the claims
RARE_WORD = VOCABULARY[-1]  # in a handful per 100,000

PLACES = [
    "Russia",
    "Ukraine",
    "Belarus",
    "Iran",
    "Syria",
    "Yemen",
    "Sudan",
    "Libya",
    "Myanmar",
    "Venezuela",
    "Crimea",
    "Donbas",
]
VERBS = ("shipped", "delivered", "sent", "transferred", "supplied", "moved", "sold", "smuggled")
SAYS = ("said", "claimed", "told reporters", "asserted", "reported", "believes", "alleged")
ITEMS = (
    ("artillery shells", MaterielCategory.ARTILLERY_AMMUNITION),
    ("rockets", MaterielCategory.ROCKET_ARTILLERY),
    ("ballistic missiles", MaterielCategory.BALLISTIC_MISSILE),
    ("anti-tank missiles", MaterielCategory.ANTI_TANK_MISSILE),
    ("rifles", MaterielCategory.SMALL_ARMS),
    ("mortar rounds", MaterielCategory.MORTAR),
    ("drones", MaterielCategory.AIRCRAFT),
    ("air defence systems", MaterielCategory.AIR_DEFENCE),
    ("satellite components", MaterielCategory.SPACE_TECHNOLOGY),
    ("centrifuge parts", MaterielCategory.NUCLEAR_TECHNOLOGY),
    ("containers", MaterielCategory.OTHER),
)
PERSON_GIVEN = ["Kim", "Lee", "Park", "Ivan", "Olga", "Ali", "Sara", "Chen", "Maria", "Yusuf", "Anna", "Jin"]
BODIES = ("Ministry of", "Agency for", "Office of", "Council of", "Committee on", "Service of")

# --- Weights ----------------------------------------------------------------------------


@cache
def values(choices) -> tuple:
    """The values of a choices class (Django computes them anew on every access)."""
    return tuple(choices.values)


def zipf_weights(count: int, shift: float) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights 1/(rank + shift): the first few ranks take a
    large share, the rest a long tail; a larger shift flattens the head."""
    return list(itertools.accumulate(1 / (rank + shift) for rank in range(1, count + 1)))


class Picker:
    """Draws ids 1..count with Zipf-Mandelbrot weights, id 1 the most frequent."""

    def __init__(self, rng: random.Random, count: int, shift: float):
        self.rng, self.cumulative = rng, zipf_weights(count, shift)
        self.total = self.cumulative[-1]

    def __call__(self) -> int:
        return bisect(self.cumulative, self.rng.random() * self.total) + 1

    def distinct(self, k: int) -> list[int]:
        picked: list[int] = []
        while len(picked) < k:
            if (value := self()) not in picked:
                picked.append(value)
        return picked


def sizes(claims: int) -> dict[str, int]:
    """How many of each record a corpus of `claims` claims has."""
    return {
        "actors": max(40, claims // 50),
        "topics": max(10, claims // 200),
        "materiel": max(len(ITEMS) * 2, claims // 5000),
        "outlets": max(12, claims // 1000),
        "denials": max(5, claims // 10),
        "links": max(5, claims // 20),
    }


# --- Dates --------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    year, month = divmod(year * 12 + month - 1 + by, 12)
    return year, month + 1


@cache
def date_bounds(edtf: str) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest day of one of the EDTF forms reported() writes, as
    sources.reported_dates.bounds() gives them (tests compare the two on every form):
    computed here because parsing EDTF takes milliseconds a text."""
    if edtf.startswith("[.."):
        return None, dt.date.fromisoformat(edtf[3:-1])
    if "/" in edtf:
        first, last = edtf.split("/")
        return dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if edtf.endswith("?"):  # an uncertain year: a year either side
        year = int(edtf[:4])
        return dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31)
    if edtf.endswith("~"):  # an approximate month: a month either side
        year, month = int(edtf[:4]), int(edtf[5:7])
        return dt.date(*_shift_month(year, month, -1), 1), _month_end(*_shift_month(year, month, 1))
    if len(edtf) == 4:
        return dt.date(int(edtf), 1, 1), dt.date(int(edtf), 12, 31)
    if len(edtf) == 7:
        year, month = int(edtf[:4]), int(edtf[5:7])
        return dt.date(year, month, 1), _month_end(year, month)
    when = dt.date.fromisoformat(edtf)
    return when, when


def day(offset: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=offset)


def reported(rng: random.Random, offset: int) -> str:
    """The EDTF text of a date around `offset` days into the decade, at a mixed precision."""
    when = day(offset)
    roll = rng.random()
    if roll < 0.50:
        return when.isoformat()
    if roll < 0.70:
        return f"{when:%Y-%m}"
    if roll < 0.76:
        return f"{when:%Y}"
    if roll < 0.86:
        return f"{when:%Y-%m}~"
    if roll < 0.89:
        return f"{when:%Y}?"
    if roll < 0.97:
        return f"{when.isoformat()}/{(when + dt.timedelta(days=rng.choice((2, 6, 13)))).isoformat()}"
    return f"[..{when.isoformat()}]"


def date_columns(name: str, edtf: str, as_worded: str = "", *, inferred: bool = False) -> dict:
    earliest, latest = date_bounds(edtf) if edtf else (None, None)
    return {
        f"{name}_edtf": edtf,
        f"{name}_earliest": earliest,
        f"{name}_latest": latest,
        f"{name}_as_worded": as_worded,
        f"{name}_inferred": inferred,
    }


def timestamp(offset: int, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


# --- Writing rows -------------------------------------------------------------------------


class Sink:
    """Collects rows model by model, numbering their ids; `flush()` stores what is left."""

    def __init__(self):
        self.next_id: dict[type, int] = {}
        self.columns: dict[type, list[tuple[str, object]]] = {}
        self.counts: dict[type, int] = {}

    def add(self, model, **values) -> int:
        if model not in self.columns:
            self.columns[model] = self._columns(model, values)
        pk = values.setdefault("id", self.next_id.get(model, 1))
        self.next_id[model] = pk + 1
        self.counts[model] = self.counts.get(model, 0) + 1
        self.write(model, [values.get(name, default) for name, default in self.columns[model]])
        return pk

    @staticmethod
    def _columns(model, values) -> list[tuple[str, object]]:
        """Each column with the value a row that does not name it gets."""
        fields = model._meta.concrete_fields
        unknown = set(values) - {f.attname for f in fields} - {"id"}
        assert not unknown, f"{model.__name__} has no {unknown}"
        columns = []
        for field in fields:
            if field.has_default():
                default = field.get_default()
            else:
                default = None if field.null or field.attname == "id" else ""
            columns.append((field.attname, default))
        return columns

    def write(self, model, row: list) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError


class BulkCreateSink(Sink):
    """SQLite (or any backend): bulk_create in batches. Correct, not fast."""

    BATCH = 2000

    def __init__(self, using: str):
        super().__init__()
        self.using = using
        self.pending: dict[type, list] = {}

    def write(self, model, row):
        names = [name for name, _ in self.columns[model]]
        batch = self.pending.setdefault(model, [])
        batch.append(model(**dict(zip(names, row, strict=True))))
        if len(batch) >= self.BATCH:
            self._store(model)

    def _store(self, model):
        model.objects.using(self.using).bulk_create(self.pending.pop(model, []))

    def flush(self):
        for model in list(self.pending):
            self._store(model)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)  # numbers, dates (ISO), aware datetimes (ISO with offset)


class CopySink(Sink):
    """PostgreSQL: rows go to one file a table in COPY's text format, loaded by `load()`."""

    def __init__(self, directory: Path):
        super().__init__()
        self.directory = directory
        self.files: dict[type, object] = {}

    def write(self, model, row):
        if model not in self.files:
            self.files[model] = (self.directory / model._meta.db_table).open("w", encoding="utf-8")
        self.files[model].write("\t".join(map(_copy_text, row)) + "\n")

    def flush(self):
        for file in self.files.values():
            file.close()

    def load(self, cursor) -> None:
        for model in self.files:
            columns = ", ".join(f'"{name}"' for name, _ in self.columns[model])
            with (
                cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy,
                (self.directory / model._meta.db_table).open("rb") as rows,
            ):
                while chunk := rows.read(1 << 20):
                    copy.write(chunk)


# --- The corpus -------------------------------------------------------------------------


class Generator:
    """Builds the rows of a corpus of `claims` claims from `seed`, into a sink."""

    def __init__(self, sink: Sink, claims: int, seed: int):
        self.sink, self.claims, self.rng = sink, claims, random.Random(seed)  # noqa: S311 - reproducible data, not secrets
        self.size = sizes(claims)
        rng = self.rng
        self.pick_actor = Picker(rng, self.size["actors"], shift=2)
        self.pick_topic = Picker(rng, self.size["topics"], shift=10)
        self.pick_materiel = Picker(rng, self.size["materiel"], shift=3)
        self.pick_outlet = Picker(rng, self.size["outlets"], shift=2)
        self.pick_word = Picker(rng, len(VOCABULARY), shift=0)
        self.actor_names: list[str] = [""]
        self.materiel_items: list[str] = [""]
        self.outlet_domains: list[str] = [""]
        self.topic_claims: dict[int, list[int]] = {}
        self.made_day: list[int] = [0]
        self.recent_sources: list[int] = []

    def run(self) -> dict[str, int]:
        self.outlets()
        self.actors()
        self.topics()
        self.materiel()
        for number in range(1, self.claims + 1):
            self.claim(number)
        self.denials()
        self.links()
        self.sink.flush()
        return {model._meta.label: count for model, count in self.sink.counts.items()}

    def words(self, count: int) -> str:
        return " ".join(VOCABULARY[self.pick_word() - 1] for _ in range(count))

    # Reference data: outlets, actors and aliases, topics, materiel.

    def outlets(self):
        kinds = [k for k in values(OutletKind) if k != OutletKind.OTHER]
        for number in range(1, self.size["outlets"] + 1):
            name = f"The {RARE[(number * 37) % len(RARE)].title()} {('Times', 'Herald', 'Wire', 'Post')[number % 4]}"
            domain = f"corpus-outlet-{number}.example"
            self.sink.add(
                Outlet,
                name=name,
                slug=f"{SLUG_PREFIX}outlet-{number}",
                kind=kinds[number % len(kinds)],
                domain=domain,
                country=("US", "KR", "RU", "GB", "FR", "DE", "")[number % 7],
                reliability=values(Reliability)[number % 6],
            )
            self.outlet_domains.append(domain)

    def actors(self):
        rng = self.rng
        for number in range(1, self.size["actors"] + 1):
            word = RARE[(number * 101) % len(RARE)].title()
            if number % 3:
                name, kind = f"{rng.choice(BODIES)} {word}", rng.choice(values(ActorKind)[:5])
            else:
                name, kind = f"{rng.choice(PERSON_GIVEN)} {word}", ActorKind.PERSON
            name = f"{name} {number}"  # actors' names are not unique, but readers tell them apart
            parent = rng.randint(1, number - 1) if number > 10 and rng.random() < 0.2 else None
            self.sink.add(
                Actor,
                name=name,
                slug=f"{SLUG_PREFIX}actor-{number}",
                kind=kind,
                country=("KR", "KP", "RU", "US", "UA", "CN", "")[number % 7],
                parent_id=parent,
                description=f"{name}: {self.words(8)}." if number % 2 else "",
                wikidata_id=f"Q{1000 + number}" if number % 5 == 0 else "",
            )
            self.actor_names.append(name)
            for alias in range(rng.choice((0, 0, 0, 1, 2))):
                self.sink.add(ActorAlias, actor_id=number, name=f"{word} {alias + 1}", language=("", "ko", "ru")[alias])

    def topics(self):
        for number in range(1, self.size["topics"] + 1):
            name = f"{RARE[(number * 13) % len(RARE)].title()} {self.words(1)} affair {number}"
            self.sink.add(
                Topic, name=name, slug=f"{SLUG_PREFIX}topic-{number}", description=f"Claims about {self.words(6)}."
            )

    def materiel(self):
        for number in range(1, self.size["materiel"] + 1):
            item, category = ITEMS[(number - 1) % len(ITEMS)]
            broad = number <= len(ITEMS)
            name = item if broad else f"{100 + number} mm {item}"
            self.sink.add(
                Materiel,
                name=name,
                slug=f"{SLUG_PREFIX}materiel-{number}",
                category=category,
                parent_id=None if broad else (number - 1) % len(ITEMS) + 1,
            )
            self.materiel_items.append(name)

    # Claims with their chains, figures, citations and sources.

    def claim(self, number: int):
        rng, sink = self.rng, self.sink
        offset = rng.randrange(DAYS)
        made = reported(rng, offset)
        self.made_day.append(offset)
        chain = self.pick_actor.distinct(rng.choice((1, 2, 2, 2, 3)))
        subjects = self.pick_actor.distinct(rng.choice((0, 1, 1, 2, 2, 3)))
        topics = self.pick_topic.distinct(rng.choice((0, 1, 1, 1, 2, 2)))
        materiel = self.pick_materiel()
        item = self.materiel_items[materiel]
        place = rng.choice(PLACES)
        subject = self.actor_names[subjects[0]] if subjects else "the government"
        what = f"{subject} {rng.choice(VERBS)} {item} to {place}"
        state = rng.choices(values(PublicationState), weights=(5, 3, 92))[0]
        period = {}
        if rng.random() < 0.4:
            start = max(0, offset - rng.randrange(400))
            period = date_columns("period_start", f"{day(start):%Y-%m}")
            if rng.random() < 0.4:
                period |= date_columns("period_end", day(offset).isoformat())
        claim_id = sink.add(
            Claim,
            slug=f"{SLUG_PREFIX}claim-{number}",
            proposition=f"{self.actor_names[chain[0]]} {rng.choice(SAYS)} that {what}; {self.words(4)}.",
            **date_columns(
                "made", made, **({"as_worded": "earlier this month", "inferred": True} if rng.random() < 0.05 else {})
            ),
            **period,
            certainty=rng.choice(values(ClaimCertainty)),
            hedge=rng.choice(("", "", "likely", "believes", "signs")),
            status=rng.choices(values(ClaimStatus), weights=(50, 15, 15, 5, 5, 5, 5))[0],
            likelihood=rng.choice(("", "", *values(ClaimLikelihood))),
            confidence=rng.choice(("", "", *values(ClaimConfidence))),
            credibility=rng.choice((None, None, 1, 2, 3, 4, 5, 6)),
            notes=self.words(10) if rng.random() < 0.1 else "",
            state=state,
            created_at=timestamp(offset, number % 86400),
            updated_at=timestamp(offset, number % 86400 + 3600),
        )
        for topic in topics:
            sink.add(Claim.topics.through, claim_id=claim_id, topic_id=topic)
            self.topic_claims.setdefault(topic, []).append(claim_id)
        for actor in subjects:
            sink.add(Claim.subjects.through, claim_id=claim_id, actor_id=actor)
        sink.add(Claim.materiel.through, claim_id=claim_id, materiel_id=materiel)

        briefing = self.source(offset, unpublished_by=chain[0]) if rng.random() < 0.15 else None
        for position, actor in enumerate(chain, start=1):
            sink.add(
                AttributionModel,
                claim_id=claim_id,
                position=position,
                actor_id=actor,
                role=AttributionRole.ORIGINATOR if position == 1 else rng.choice(("relay", "relay", "endorser")),
                speaker=rng.choice(("", "", "a senior official", "intelligence officials")),
                channel=rng.choice(("", "press conference", "closed-door briefing to lawmakers", "told reporters")),
                document_id=briefing if position == 1 else None,
                **date_columns("date", made if rng.random() < 0.5 else ""),
            )
        quantities = self.quantities(claim_id, item, materiel, offset)
        for position in range(1, rng.choice((1, 2, 3, 3, 3, 4, 5)) + 1):
            quote = f"{what}, {self.words(5)}"
            citation = sink.add(
                ClaimCitation,
                claim_id=claim_id,
                source_id=self.cited_source(offset, quote, briefing),
                position=position,
                quote=quote if position == 1 or rng.random() < 0.7 else "",
                locator=f"para. {rng.randint(1, 12)}" if rng.random() < 0.5 else "",
                stance=(
                    stance := rng.choices(("reports", "corroborates", "disputes", "misreports"), (80, 10, 7, 3))[0]
                ),
                note=f"Inflates the figure: {self.words(3)}." if stance == "misreports" else "",
            )
            for quantity, wording in quantities:
                if rng.random() < 0.4:
                    sink.add(CitationFigure, citation_id=citation, quantity_id=quantity, as_worded=wording)

    def quantities(self, claim_id: int, item: str, materiel: int, offset: int) -> list[tuple[int, str]]:
        """The claim's figures, each with its wording."""
        rng, made = self.rng, []
        for position in range(1, rng.choice((0, 1, 1, 1, 2)) + 1):
            comparator = rng.choice(values(QuantityComparator))
            low = high = None
            if comparator in MAGNITUDES:
                low, high = MAGNITUDES[comparator]
                wording = f"{QuantityComparator(comparator).label} {item}"
            elif comparator == QuantityComparator.BETWEEN:
                low = rng.choice((10, 100, 1000, 10_000, 100_000)) * rng.randint(1, 9)
                high = low * 2
                wording = f"between {low:,} and {high:,}"
            elif comparator == QuantityComparator.UNSPECIFIED:
                wording = "an unspecified number"
            else:
                low = rng.choice((10, 100, 1000, 10_000, 1_000_000)) * rng.randint(1, 9)
                wording = f"{QuantityComparator(comparator).label} {low:,}"
            quantity = self.sink.add(
                Quantity,
                claim_id=claim_id,
                position=position,
                kind=rng.choices(values(QuantityKind), weights=(70, 10, 5, 5, 5, 5))[0],
                certainty=rng.choice(("", "", "", "possible")),
                as_worded=wording,
                comparator=comparator,
                low=low,
                high=high,
                item=item,
                materiel_id=materiel if rng.random() < 0.7 else None,
                **date_columns("as_of", day(offset).isoformat() if rng.random() < 0.3 else ""),
            )
            made.append((quantity, wording))
        return made

    def source(self, offset: int, *, quote: str = "", unpublished_by: int | None = None) -> int:
        """A new source published around `offset`; an unpublished briefing when
        `unpublished_by` names its issuer."""
        rng = self.rng
        number = self.sink.next_id.get(Source, 1)
        published = day(min(DAYS - 1, offset + rng.randrange(3))).isoformat()
        if unpublished_by:
            values = {
                "issuer": self.actor_names[unpublished_by],
                "kind": rng.choice((SourceKind.BRIEFING, SourceKind.REPORT)),
                "title": f"Briefing by {self.actor_names[unpublished_by]} on {self.words(3)}",
            }
        else:
            outlet = self.pick_outlet()
            values = {
                "outlet_id": outlet,
                "kind": rng.choice((SourceKind.ARTICLE, SourceKind.ARTICLE, SourceKind.WIRE_STORY, SourceKind.VIDEO)),
                "title": f"{self.words(6).capitalize()}",
                "url": f"https://{self.outlet_domains[outlet]}/{published[:4]}/story-{number}",
                "authors": rng.choice(("", f"{rng.choice(PERSON_GIVEN)} {RARE[number % len(RARE)].title()}")),
            }
        text = f"{self.words(12)}. {quote}. {self.words(8)}." if quote and rng.random() < 0.1 else ""
        source = self.sink.add(
            Source,
            slug=f"{SLUG_PREFIX}source-{number}",
            **values,
            **date_columns("published", published),
            retrieved_at=timestamp(min(DAYS - 1, offset + 5), number % 86400) if rng.random() < 0.5 else None,
            text=text,
            text_sha256=hashlib.sha256(text.encode()).hexdigest() if text else "",
        )
        self.recent_sources = [*self.recent_sources[-199:], source]
        return source

    def cited_source(self, offset: int, quote: str, briefing: int | None) -> int:
        """Mostly a new source, else one cited recently (a story reporting several claims);
        a new one may derive from the claim's briefing or from an earlier story."""
        rng = self.rng
        if self.recent_sources and rng.random() < 0.4:
            return rng.choice(self.recent_sources)
        earlier = self.recent_sources[-1] if self.recent_sources else None
        source = self.source(offset, quote=quote)
        if briefing and rng.random() < 0.7:
            self.sink.add(Derivation, source_id=source, derived_from_id=briefing, kind=DerivationKind.QUOTES)
        elif earlier and earlier != briefing and rng.random() < 0.25:
            kind = rng.choice(values(DerivationKind))
            self.sink.add(Derivation, source_id=source, derived_from_id=earlier, kind=kind)
        return source

    # Denials and links, across the claims of a topic.

    def denials(self):
        rng, sink = self.rng, self.sink
        topics = sorted(self.topic_claims)
        for number in range(1, self.size["denials"] + 1):
            pool = self.topic_claims[topics[(self.pick_topic() - 1) % len(topics)]]
            answered = rng.sample(pool, min(len(pool), rng.choice((1, 2, 2, 3, 3, 4, 5))))
            offset = min(DAYS - 1, max(self.made_day[c] for c in answered) + rng.randrange(30))
            kind = rng.choice(values(DenialKind))
            deniers = self.pick_actor.distinct(rng.choice((1, 1, 2)))
            statement = f"{self.actor_names[deniers[0]]} dismissed the reports as {self.words(3)}."
            denial = sink.add(
                Denial,
                slug=f"{SLUG_PREFIX}denial-{number}",
                statement=statement,
                **date_columns("made", reported(rng, offset)),
                kind=kind,
                channel=rng.choice(("", "state media", "press conference")),
                state=rng.choices(values(PublicationState), weights=(5, 3, 92))[0],
                created_at=timestamp(offset, number),
                updated_at=timestamp(offset, number + 60),
            )
            for claim in answered:
                sink.add(Denial.claims.through, denial_id=denial, claim_id=claim)
            for actor in deniers:
                sink.add(Denial.deniers.through, denial_id=denial, actor_id=actor)
            if rng.random() < 0.2:
                other = rng.choice([k for k in values(DenialKind) if k != kind])
                sink.add(DenialOtherKind, denial_id=denial, kind=other)
            for position in range(1, rng.choice((1, 1, 2)) + 1):
                sink.add(
                    DenialCitation,
                    denial_id=denial,
                    source_id=self.source(offset),
                    position=position,
                    quote=statement if position == 1 else "",
                )
            if number % 1000 == 1:
                sink.add(DenialRedirect, slug=f"{SLUG_PREFIX}denial-{number}-merged", denial_id=denial)

    def links(self):
        rng, seen = self.rng, set()
        topics = [t for t in sorted(self.topic_claims) if len(self.topic_claims[t]) > 1]
        for _ in range(self.size["links"]):
            pool = self.topic_claims[topics[(self.pick_topic() - 1) % len(topics)]]
            pair = tuple(rng.sample(pool, 2))
            kind = rng.choice(values(ClaimLinkKind))
            if (*pair, kind) not in seen:
                seen.add((*pair, kind))
                self.sink.add(ClaimLink, from_claim_id=pair[0], to_claim_id=pair[1], kind=kind)


# --- Loading ----------------------------------------------------------------------------


class ForeignData(Exception):
    """The database holds records the corpus did not generate."""


def corpus_models() -> list:
    """Every table the corpus writes or empties: the models of claims and sources with
    their many-to-many tables, and the history app's (revisions and historical rows)."""
    return [
        model
        for label in ("claims", "sources", "history")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]


def foreign_records(using: str) -> list[str]:
    """What the database holds that the corpus did not make, as 'label: count'."""
    found = []
    for model in SLUGGED_MODELS:
        count = model.objects.using(using).exclude(slug__startswith=SLUG_PREFIX).count()
        if count:
            found.append(f"{model._meta.verbose_name_plural}: {count}")
    return found


def empty(using: str) -> None:
    tables = [model._meta.db_table for model in corpus_models()]
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks still pending in this transaction would stop TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(f'"{t}"' for t in tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - the models' own table names


def generate(claims: int, *, seed: int = 1, force: bool = False, using: str = "default", log=print) -> dict:
    """Replace the corpus in database `using` by one of `claims` claims from `seed`.

    Refuses (ForeignData) a database holding records it did not generate unless `force`.
    Returns the rows written per model label."""
    if not force and (found := foreign_records(using)):
        raise ForeignData("The database holds records the corpus did not generate (" + "; ".join(found) + ").")
    started = time.monotonic()
    connection = connections[using]
    with transaction.atomic(using=using):
        empty(using)
        if connection.vendor == "postgresql":
            counts = _load_postgresql(claims, seed, using, log)
        else:
            counts = Generator(BulkCreateSink(using), claims, seed).run()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    for step in REFRESH_STEPS:
        log(f"refreshing: {step}")
        import_string(step)(using)
    log(f"corpus of {claims:,} claims (seed {seed}) in {time.monotonic() - started:.1f} s")
    return counts


def _load_postgresql(claims: int, seed: int, using: str, log) -> dict:
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="corpus-") as directory:
        started = time.monotonic()
        sink = CopySink(Path(directory))
        counts = Generator(sink, claims, seed).run()
        log(f"generated {sum(counts.values()):,} rows in {time.monotonic() - started:.1f} s")
        tables = [model._meta.db_table for model in sink.files]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            recreate = _drop_indexes(cursor, tables)
            started = time.monotonic()
            sink.load(cursor)
            log(f"copied in {time.monotonic() - started:.1f} s")
            started = time.monotonic()
            for statement in recreate:
                cursor.execute(statement)
            log(f"{len(recreate)} indexes and constraints rebuilt in {time.monotonic() - started:.1f} s")
            # The ids were given, so the sequences still stand at 1 (TRUNCATE ... RESTART IDENTITY).
            for model in sink.files:
                table = model._meta.db_table
                next_id = f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"'  # noqa: S608 - a model's table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({next_id}), false)", [table])
    return counts


def _drop_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the foreign keys, unique constraints and other indexes (not primary keys nor
    checks) of `tables`; return the statements that recreate them, in a working order."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
        ORDER BY contype DESC, conrelid::regclass::text, conname
        """,
        [tables],
    )
    constraints = cursor.fetchall()  # foreign keys ('f') after unique ones ('u'): dropped first
    cursor.execute(
        """
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
        FROM pg_index
        WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary
          AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _, _ in sorted(constraints, key=lambda c: c[2] != "f"):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    recreate = [definition for _, definition in indexes]
    recreate += [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, kind, definition in sorted(constraints, key=lambda c: c[2] == "f")
    ]
    return recreate
