"""Bulk import of curated records from a YAML (or JSON) file.

The format is documented in docs/import-format.md. The import is all or nothing: every
record is validated with the same rules as the admin (model clean() and database
constraints) inside one transaction; if any record is bad, every error is reported with
its record and field, and the transaction is rolled back.

Records are matched by slug and their parts by natural key (a relay-chain step by
position and actor, a citation by source and quote, ...; see `_PART_KEYS`), and updated
in place: what is unchanged is not written, so loading the same file twice writes no
row and no history, and every primary key stays. Parts missing from the file are
deleted. A published claim or denial must pass the publication rule of the admin and
of the workflow (`Publishable.publication_problem`).
"""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    ClaimLink,
    Denial,
    DenialCitation,
    DenialOtherKind,
    Materiel,
    Quantity,
    Topic,
)
from history.tracking import VersionedModel, recording
from sources.date_fields import ReportedDate
from sources.models import Derivation, Outlet, Source

SECTIONS = ("outlets", "sources", "derivations", "actors", "topics", "materiel", "claims", "denials")
_SECTION_MODELS = {
    "outlets": Outlet,
    "sources": Source,
    "actors": Actor,
    "topics": Topic,
    "materiel": Materiel,
    "claims": Claim,
    "denials": Denial,
}


# How the parts of a record in the file are matched to the stored ones: each entry is a
# tuple of field names tried in turn, so a quantity is matched by everything that defines
# it, else (when a figure was edited) by its position.
_QUANTITY_DEFINITION = (
    "as_worded",
    "kind",
    "certainty",
    "comparator",
    "low",
    "high",
    "unit",
    "item",
    "materiel_id",
    "as_of_edtf",
    "as_of_as_worded",
    "as_of_inferred",
)
_PART_KEYS = {
    ActorAlias: [("name",)],
    Attribution: [("position", "actor_id")],
    Quantity: [_QUANTITY_DEFINITION, ("position",)],
    ClaimCitation: [("source_id", "quote")],
    DenialOtherKind: [("kind",)],
    CitationFigure: [("quantity_id",)],
    DenialCitation: [("source_id", "quote")],
    ClaimLink: [("to_claim_id", "kind")],
}


class ImportFailed(Exception):
    """The file was rejected; `errors` lists every problem found, nothing was written."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s):\n" + "\n".join(errors))


class RecordError(Exception):
    """A problem with one field of one record; `field` is its path in the file."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def read_file(path: str | Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([f"{path}: cannot read the file ({exc})."]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed([f"{path}: not valid YAML or JSON: {exc}"]) from None


def import_data(data, *, dry_run: bool = False) -> Counter:
    """Validate and write `data`; return counts such as {"claims created": 3}.

    Raises ImportFailed, having written nothing, if any record is invalid.
    """
    return _Importer().run(data, dry_run=dry_run)


def stored_records(data) -> int:
    """How many of the records the file names by slug are already in the database (0 for
    a file that is not a mapping of sections: the import will report it)."""
    if not isinstance(data, dict):
        return 0
    held = 0
    for section, model in _SECTION_MODELS.items():
        records = data.get(section)
        if isinstance(records, list):
            slugs = {r["slug"] for r in records if isinstance(r, dict) and isinstance(r.get("slug"), str)}
            held += model.objects.filter(slug__in=slugs).count() if slugs else 0
    return held


# Model field names that the file spells differently, for error messages.
_FILE_NAMES = {
    "published_edtf": "published",
    "made_edtf": "made",
    "period_start_edtf": "period_start",
    "period_end_edtf": "period_end",
    "date_edtf": "date",
    "as_of_edtf": "as_of",
    "from_claim": "slug",
    "to_claim": "to",
    "derived_from": "derived_from",
}


class _Importer:
    def __init__(self):
        self.errors: list[str] = []
        self.counts: Counter = Counter()
        self._cache: dict[tuple[type, str], models.Model] = {}
        self._claims: dict[str, Claim] = {}
        self._failed: set[tuple[type, str]] = set()
        self._revisions: dict = {}  # claim slug -> the revision its fields were saved in

    # -- driver ---------------------------------------------------------------

    def run(self, data, *, dry_run: bool) -> Counter:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ImportFailed(["The file must hold a mapping of sections (outlets, sources, claims, ...)."])
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise ImportFailed([f"Unknown section(s): {', '.join(map(str, unknown))}. Known: {', '.join(SECTIONS)}."])

        with transaction.atomic():
            for section in SECTIONS:
                records = data.get(section) or []
                if not isinstance(records, list):
                    self.errors.append(f"{section}: must be a list of records.")
                    continue
                load = getattr(self, f"_load_{section}")
                for index, record in enumerate(records):
                    self._record(section, index, record, load)
            # Links may point to claims later in the file, so they come last.
            claims = data.get("claims") or []
            for index, record in enumerate(claims if isinstance(claims, list) else []):
                if isinstance(record, dict) and isinstance(record.get("slug"), str) and record["slug"] in self._claims:
                    # The claim's revision, if its fields changed: claim and links are one revision.
                    revision = self._revisions.get(record["slug"])
                    self._record("claims", index, record, self._load_claim_links, revision=revision)
            if self.errors:
                raise ImportFailed(self.errors)
            if dry_run:
                transaction.set_rollback(True)
        return self.counts

    def _record(self, section, index, record, load, *, revision=None):
        where = f"{section}[{index}]"
        if isinstance(record, dict) and isinstance(record.get("slug"), str):
            where += f" (slug {record['slug']!r})"
        cached, claims = dict(self._cache), dict(self._claims)
        try:
            if not isinstance(record, dict):
                raise RecordError("", "must be a mapping of fields.")
            # A savepoint per record: a failed record leaves the transaction usable,
            # so the rest of the file is still checked and every error reported. Each
            # record saved with its parts is one revision, with the reason "import".
            with transaction.atomic(), recording(reason="import", revision=revision) as context:
                load(record)
            if section == "claims" and context.revision is not None:
                self._revisions[record.get("slug")] = context.revision
            return
        except RecordError as exc:
            problems = [(exc.field, exc.message)]
        except ValidationError as exc:
            problems = _validation_messages(exc)
        except DatabaseError as exc:
            problems = [("", f"rejected by the database: {exc}")]
        # The savepoint was rolled back: forget what the record had put in the caches,
        # and remember it failed, so records naming it say so instead of "not found".
        self._cache, self._claims = cached, claims
        if isinstance(record, dict) and section in _SECTION_MODELS and isinstance(record.get("slug"), str):
            self._failed.add((_SECTION_MODELS[section], record["slug"]))
        self.errors.extend(
            f"{where} {field}: {message}" if field else f"{where}: {message}" for field, message in problems
        )

    # -- sections -------------------------------------------------------------

    def _load_outlets(self, rec):
        fields = _Fields(rec, required={"slug", "name", "kind"})
        outlet = self._get_or_new(Outlet, fields.text("slug"))
        fields.text_fields(outlet, "name", "kind", "domain", "country", "reliability", "notes")
        fields.finish()
        self._save(outlet, "outlets")

    def _load_sources(self, rec):
        fields = _Fields(rec, required={"slug", "title"})
        source = self._get_or_new(Source, fields.text("slug"))
        outlet = fields.text("outlet")  # none for an unpublished document
        source.outlet = self._ref(Outlet, outlet, "outlet") if outlet else None
        fields.text_fields(
            source,
            "title",
            "kind",
            "issuer",
            "url",
            "language",
            "archive_url",
            "text",
            "reliability_override",
            "notes",
        )
        source.authors = "\n".join(fields.text_list("authors"))
        fields.reported_date(source, "published")
        source.retrieved_at = fields.datetime("retrieved_at")
        fields.finish()
        self._save(source, "sources")

    def _load_derivations(self, rec):
        fields = _Fields(rec, required={"source", "derived_from", "kind"})
        source = self._ref(Source, fields.text("source"), "source")
        derived_from = self._ref(Source, fields.text("derived_from"), "derived_from")
        derivation = Derivation.objects.filter(source=source, derived_from=derived_from).first()
        derivation = derivation or Derivation(source=source, derived_from=derived_from)
        fields.text_fields(derivation, "kind", "note")
        fields.finish()
        self._save(derivation, "derivations")

    def _load_actors(self, rec):
        fields = _Fields(rec, required={"slug", "name", "kind"})
        actor = self._get_or_new(Actor, fields.text("slug"))
        fields.text_fields(actor, "name", "kind", "country", "description", "track_record", "wikidata_id")
        parent = fields.text("parent")
        actor.parent = self._ref(Actor, parent, "parent") if parent else None
        aliases = fields.aliases("aliases")
        fields.finish()
        self._check(actor)
        plan = _Plan(
            actor,
            "actor",
            "aliases",
            [
                (f"aliases[{i}]", ActorAlias(actor=actor, name=name, language=language))
                for i, (name, language) in enumerate(aliases)
            ],
        )
        self._store(actor, "actors")
        self._apply(plan)

    def _load_topics(self, rec):
        fields = _Fields(rec, required={"slug", "name"})
        topic = self._get_or_new(Topic, fields.text("slug"))
        fields.text_fields(topic, "name", "description")
        fields.finish()
        self._save(topic, "topics")

    def _load_materiel(self, rec):
        fields = _Fields(rec, required={"slug", "name", "category"})
        materiel = self._get_or_new(Materiel, fields.text("slug"))
        fields.text_fields(materiel, "name", "category", "description")
        parent = fields.text("parent")
        materiel.parent = self._ref(Materiel, parent, "parent") if parent else None
        fields.finish()
        self._save(materiel, "materiel")

    def _load_claims(self, rec):
        fields = _Fields(rec, required={"slug", "proposition"}, deferred={"links"})
        claim = self._get_or_new(Claim, fields.text("slug"))
        fields.text_fields(
            claim, "proposition", "certainty", "hedge", "status", "likelihood", "confidence", "state", "notes"
        )
        claim.credibility = fields.integer("credibility")
        for name in ("made", "period_start", "period_end"):
            fields.reported_date(claim, name)
        subjects = self._refs(Actor, fields.text_list("subjects"), "subjects")
        topics = self._refs(Topic, fields.text_list("topics"), "topics")
        materiel = self._refs(Materiel, fields.text_list("materiel"), "materiel")
        chain = fields.records("chain")
        quantities = fields.records("quantities")
        citations = fields.records("citations")
        fields.finish()
        self._check(claim)

        attributions = []
        for i, part in enumerate(chain):
            # `actor` may list several actors: co-originators at one position of the chain.
            sub = _Fields(part, required={"actor", "role"}, prefix=f"chain[{i}].")
            slugs = sub.text_list("actor")
            if isinstance(part.get("actor"), str):
                actors = [self._ref(Actor, slugs[0], sub.path("actor"))]
            else:
                actors = self._refs(Actor, slugs, sub.path("actor"))
            role, channel, speaker = sub.text("role"), sub.text("channel"), sub.text("speaker")
            document = sub.text("document")
            document = self._ref(Source, document, sub.path("document")) if document else None
            dated = Attribution()
            sub.reported_date(dated, "date")
            sub.finish()
            for actor in actors:
                link = Attribution(
                    claim=claim,
                    position=i + 1,
                    actor=actor,
                    speaker=speaker,
                    role=role,
                    channel=channel,
                    document=document,
                )
                link.date = dated.date
                attributions.append((f"chain[{i}]", link))

        figures = []
        for i, part in enumerate(quantities):
            sub = _Fields(part, required={"comparator", "item"}, prefix=f"quantities[{i}].")
            quantity = Quantity(claim=claim, position=i + 1)
            sub.text_fields(quantity, "as_worded", "kind", "certainty", "comparator", "unit", "item")
            quantity.low = sub.number("low")
            quantity.high = sub.number("high")
            slug = sub.text("materiel")
            quantity.materiel = self._ref(Materiel, slug, sub.path("materiel")) if slug else None
            sub.reported_date(quantity, "as_of")
            sub.finish()
            figures.append((f"quantities[{i}]", quantity))
            if quantity.materiel and quantity.materiel not in materiel:
                materiel.append(quantity.materiel)

        plans = [
            _Plan(claim, "claim", "attributions", attributions),
            _Plan(claim, "claim", "quantities", figures),
            self._citation_plan(claim, ClaimCitation, "claim", citations),
        ]
        m2m = {"subjects": subjects, "topics": topics, "materiel": materiel}
        self._store(
            claim,
            "claims",
            parts_changed=any(plan.changed for plan in plans)
            or _m2m_changed(claim, m2m)
            or self._links_changed(claim, rec),
        )
        for plan in plans:
            self._apply(plan)
        self._apply_figure_wordings(claim, plans[2])
        for name, objects in m2m.items():
            getattr(claim, name).set(objects)
        _check_publication(claim)
        self._claims[claim.slug] = claim

    def _apply_figure_wordings(self, claim, citations: "_Plan"):
        """Each citation's wording of the claim's figures (`figure` is the figure's place
        in the claim's `quantities`, from 1), once the citations and figures are stored."""
        figures = {q.position: q for q in claim.quantities.all()}
        for _path, wanted, row in citations.steps:
            citation = row or wanted
            wordings = []
            for figure_path, fields in wanted.figure_wordings:
                number = fields.integer("figure")
                if number not in figures:
                    raise RecordError(f"{figure_path}.figure", f"the claim has no figure {number} in its quantities.")
                wordings.append(
                    (figure_path, CitationFigure(quantity=figures[number], as_worded=fields.text("as_worded")))
                )
                fields.finish()
            self._apply(_Plan(citation, "citation", "figures", wordings))

    def _load_claim_links(self, rec):
        claim = self._claims[rec["slug"]]
        links = []
        for i, part in enumerate(_Fields(rec).records("links")):
            sub = _Fields(part, required={"to", "kind"}, prefix=f"links[{i}].")
            link = ClaimLink(from_claim=claim, to_claim=self._ref(Claim, sub.text("to"), sub.path("to")))
            sub.text_fields(link, "kind", "note")
            sub.finish()
            links.append((f"links[{i}]", link))
        self._apply(_Plan(claim, "from_claim", "links_out", links))

    def _links_changed(self, claim, rec) -> bool:
        """Whether the links the file gives differ from the stored ones. Links are written
        in a later pass (they may point to claims later in the file), but a change to them
        is a new version of the claim, saved now; an unreadable link counts as a change
        (the later pass reports it)."""
        if claim.pk is None:
            return True
        wanted = Counter()
        try:
            for i, part in enumerate(_Fields(rec).records("links")):
                sub = _Fields(part, prefix=f"links[{i}].")
                wanted[sub.text("to"), sub.text("kind"), sub.text("note")] += 1
        except RecordError:
            return True
        stored = Counter(claim.links_out.values_list("to_claim__slug", "kind", "note"))
        return wanted != stored

    def _load_denials(self, rec):
        fields = _Fields(rec, required={"slug", "statement", "deniers", "kind"})
        denial = self._get_or_new(Denial, fields.text("slug"))
        fields.text_fields(denial, "statement", "kind", "channel", "state", "notes")
        fields.reported_date(denial, "made")
        deniers = self._refs(Actor, fields.text_list("deniers"), "deniers")
        if not deniers:
            raise RecordError("deniers", "name at least one actor who denied.")
        answers = self._refs(Claim, fields.text_list("answers"), "answers")
        also = [
            (f"also[{i}]", DenialOtherKind(denial=denial, kind=kind)) for i, kind in enumerate(fields.text_list("also"))
        ]
        citations = fields.records("citations")
        fields.finish()
        self._check(denial)
        plans = [
            _Plan(denial, "denial", "other_kinds", also),
            self._citation_plan(denial, DenialCitation, "denial", citations),
        ]
        m2m = {"deniers": deniers, "claims": answers}
        changed = any(plan.changed for plan in plans) or _m2m_changed(denial, m2m)
        self._store(denial, "denials", parts_changed=changed)
        for plan in plans:
            self._apply(plan)
        for name, objects in m2m.items():
            getattr(denial, name).set(objects)
        _check_publication(denial)

    # -- helpers --------------------------------------------------------------

    def _citation_plan(self, owner, model, owner_field, records):
        wanted = []
        for i, part in enumerate(records):
            sub = _Fields(part, required={"source"}, prefix=f"citations[{i}].")
            citation = model(**{owner_field: owner}, position=i + 1)
            citation.source = self._ref(Source, sub.text("source"), sub.path("source"))
            sub.text_fields(
                citation, "quote", "quote_prefix", "quote_suffix", "translation", "locator", "stance", "note"
            )
            if model is ClaimCitation:
                citation.figure_wordings = [
                    (sub.path(f"figures[{j}]"), _Fields(figure, required={"figure", "as_worded"}))
                    for j, figure in enumerate(sub.records("figures"))
                ]
            sub.finish()
            wanted.append((f"citations[{i}]", citation))
        return _Plan(owner, owner_field, "citations", wanted)

    def _apply(self, plan):
        """Write a plan: delete the stored parts the file no longer has, update the
        matched ones that differ, create the new ones; unchanged parts are not written."""
        for row in plan.deletes:
            row.delete()
        for path, wanted, row in plan.steps:
            if row is None:
                setattr(wanted, plan.owner_field, plan.owner)  # saved by now: give the part its key
                self._save_part(wanted, path)
                continue
            for name in plan.fields:
                setattr(row, name, getattr(wanted, name))
            if row.changed_fields():
                self._save_part(row, path)

    def _get_or_new(self, model, slug):
        instance = model.objects.filter(slug=slug).first() or model(slug=slug)
        return instance

    def _ref(self, model, slug, field):
        key = (model, slug)
        if key in self._failed:
            raise RecordError(field, f"{model._meta.verbose_name} {slug!r} has errors of its own (reported above).")
        if key not in self._cache:
            found = model.objects.filter(slug=slug).first()
            if found is None:
                raise RecordError(
                    field, f"no {model._meta.verbose_name} with slug {slug!r} (in this file or the database)."
                )
            self._cache[key] = found
        return self._cache[key]

    def _refs(self, model, slugs, field):
        return [self._ref(model, slug, f"{field}[{i}]") for i, slug in enumerate(slugs)]

    def _save(self, instance, section):
        self._check(instance)
        self._store(instance, section)

    def _check(self, instance):
        instance.full_clean()

    def _store(self, instance, section, *, parts_changed: bool = False):
        """Save a checked record if it is new or changed; `parts_changed` (its parts or
        many-to-many links differ from the file) makes a new version of it, as in the admin."""
        created = instance.pk is None
        if created or parts_changed or instance.changed_fields():
            if not created and parts_changed and isinstance(instance, VersionedModel):
                instance.new_version = True
            instance.save()
            outcome = "created" if created else "updated"
        else:
            outcome = "unchanged"
        if hasattr(instance, "slug"):
            self._cache[(type(instance), instance.slug)] = instance
        self.counts[f"{section} {outcome}"] += 1

    def _save_part(self, instance, path):
        try:
            instance.full_clean()
        except ValidationError as exc:
            field, message = _validation_messages(exc)[0]
            raise RecordError(f"{path}.{field}" if field else path, message) from None
        instance.save()


class _Plan:
    """How the parts a file gives for one record map onto the stored parts: `steps` is
    (path in the file, the part as the file has it, the stored part it matches or None)
    in file order, `deletes` the stored parts the file no longer has. Parts are matched
    by the keys of `_PART_KEYS`, tried in turn; several equal parts match in order."""

    def __init__(self, owner, owner_field: str, related: str, wanted: list[tuple[str, models.Model]]):
        self.owner, self.owner_field = owner, owner_field
        model = type(wanted[0][1]) if wanted else None
        stored = list(getattr(owner, related).all()) if owner.pk is not None else []
        model = model or (type(stored[0]) if stored else None)
        owner_attname = model._meta.get_field(owner_field).attname if model else None
        self.fields = [f.attname for f in model.content_fields() if f.attname != owner_attname] if model else []
        matches: dict[int, models.Model] = {}
        for key in _PART_KEYS.get(model, []):
            pool = defaultdict(list)
            taken = {id(row) for row in matches.values()}
            for row in stored:
                if id(row) not in taken:
                    pool[tuple(getattr(row, name) for name in key)].append(row)
            for i, (_path, part) in enumerate(wanted):
                candidates = pool.get(tuple(getattr(part, name) for name in key))
                if i not in matches and candidates:
                    matches[i] = candidates.pop(0)
        taken = {id(row) for row in matches.values()}
        self.deletes = [row for row in stored if id(row) not in taken]
        self.steps = [(path, part, matches.get(i)) for i, (path, part) in enumerate(wanted)]

    @property
    def changed(self) -> bool:
        return bool(self.deletes) or any(
            row is None or any(getattr(row, name) != getattr(part, name) for name in self.fields)
            for _path, part, row in self.steps
        )


def _m2m_changed(instance, wanted: dict[str, list]) -> bool:
    if instance.pk is None:
        return True
    return any(
        set(getattr(instance, name).values_list("pk", flat=True)) != {obj.pk for obj in objects}
        for name, objects in wanted.items()
    )


def _check_publication(record) -> None:
    """The publication rule of the admin and the workflow, on the record as written."""
    if problem := record.publication_problem():
        raise RecordError("state", problem)


class _Fields:
    """Reads the fields of one record, checking types, and finally that none was unknown."""

    def __init__(self, record, *, required=frozenset(), prefix="", deferred=frozenset()):
        if not isinstance(record, dict):
            raise RecordError(prefix.rstrip("."), "must be a mapping of fields.")
        self.record = record
        self.prefix = prefix
        self.seen = set(deferred)
        missing = sorted(k for k in required if record.get(k) in (None, "", []))
        if missing:
            raise RecordError(self.path(missing[0]), "this field is required.")

    def path(self, key):
        return f"{self.prefix}{key}"

    def _get(self, key):
        self.seen.add(key)
        return self.record.get(key)

    def text(self, key) -> str:
        value = self._get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise RecordError(self.path(key), f"should be text, got {value!r}; put it in quotes.")
        _check_storable(self.path(key), value)
        return value.strip() if "\n" not in value else value

    def text_fields(self, instance, *keys):
        """Copy text fields; an omitted field gets its default, so the file stays the truth."""
        for key in keys:
            if key in self.record and self.record[key] is not None:
                setattr(instance, key, self.text(key))
            else:
                self.seen.add(key)
                setattr(instance, key, instance._meta.get_field(key).get_default())

    def text_list(self, key) -> list[str]:
        value = self._get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise RecordError(self.path(key), "should be a list of texts.")
        for i, item in enumerate(value):
            _check_storable(f"{self.path(key)}[{i}]", item)
        return [v.strip() for v in value]

    def aliases(self, key) -> list[tuple[str, str]]:
        value = self._get(key) or []
        if not isinstance(value, list):
            raise RecordError(self.path(key), "should be a list.")
        result = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                _check_storable(f"{self.path(key)}[{i}]", item)
                result.append((item.strip(), ""))
            elif (
                isinstance(item, dict)
                and set(item) <= {"name", "language"}
                and isinstance(item.get("name"), str)
                and isinstance(item.get("language") or "", str)
            ):
                _check_storable(f"{self.path(key)}[{i}].name", item["name"])
                _check_storable(f"{self.path(key)}[{i}].language", item.get("language") or "")
                result.append((item["name"].strip(), item.get("language") or ""))
            else:
                raise RecordError(f"{self.path(key)}[{i}]", "give an alias as text, or as {name: ..., language: ...}.")
        return result

    def records(self, key) -> list:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise RecordError(self.path(key), "should be a list of records.")
        return value

    def reported_date(self, instance, key) -> None:
        """Set the reported date `key` of `instance` from `key` (EDTF text, or a date YAML
        has read), `key_as_worded` and `key_inferred`; an omitted key clears it."""
        value, as_worded = self._get(key), self.text(f"{key}_as_worded")
        inferred = self._get(f"{key}_inferred")
        if inferred is not None and not isinstance(inferred, bool):
            raise RecordError(self.path(f"{key}_inferred"), "should be true or false.")
        if value is None or value == "":
            if as_worded or inferred:
                raise RecordError(self.path(key), f"give the date (EDTF) that {key}_as_worded or _inferred describes.")
            setattr(instance, key, None)
            return
        if isinstance(value, dt.datetime):
            raise RecordError(self.path(key), "write a date with a time as EDTF in quotes: '2023-10-26T14:30:00Z'.")
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:04d}"  # YAML reads 2023 as a number
        if not isinstance(value, str | dt.date):
            raise RecordError(self.path(key), f"should be an EDTF date such as 2023-08 or 2022-06~, got {value!r}.")
        try:
            date = ReportedDate.parse(value, as_worded=as_worded, inferred=bool(inferred))
        except ValidationError as exc:
            raise RecordError(self.path(key), " ".join(exc.messages)) from None
        setattr(instance, key, date)

    def datetime(self, key) -> dt.datetime | None:
        value = self._get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = parse_datetime(value)
            except ValueError:  # well-formed but impossible: 2023-02-30T10:00:00
                value = None
        if not isinstance(value, dt.datetime):
            raise RecordError(self.path(key), "should be an ISO 8601 date-time: 2026-11-22T10:00:00Z.")
        return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)

    def number(self, key) -> Decimal | None:
        value = self._get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise RecordError(self.path(key), f"should be a number, got {value!r}.")
        try:
            number = Decimal(str(value).replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise RecordError(self.path(key), f"should be a number, got {value!r}.") from None
        if not number.is_finite():
            raise RecordError(self.path(key), f"should be a finite number, got {value!r}.")
        return number

    def integer(self, key) -> int | None:
        value = self._get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(self.path(key), f"should be a whole number, got {value!r}.")
        return value

    def finish(self):
        unknown = sorted(set(map(str, self.record)) - self.seen)
        if unknown:
            raise RecordError(
                self.path(unknown[0]), "unknown field (check the spelling against docs/import-format.md)."
            )


def _check_storable(path: str, value: str) -> None:
    """Refuse text no database stores: NUL characters (PostgreSQL refuses them in text)
    and lone surrogates (not encodable as UTF-8), which a YAML or JSON file can carry."""
    if "\x00" in value:
        raise RecordError(path, "contains a NUL character (\\0), which cannot be stored as text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(path, "contains characters that are not valid Unicode (lone surrogates).") from None


def _validation_messages(exc: ValidationError) -> list[tuple[str, str]]:
    """(file field name or "", message) pairs of a model's ValidationError."""
    if hasattr(exc, "error_dict"):
        return [
            ("" if field == "__all__" else _FILE_NAMES.get(field, field), message)
            for field, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    return [("", message) for message in exc.messages]
