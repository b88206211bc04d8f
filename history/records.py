"""Reading the history: revisions of a record, what changed between them, and the
state of a record's parts at a point in time. Every function here issues a fixed
number of queries, whatever the length of the history.

A *revision* of a record is its history rows that belong to one `Revision`: an admin
save writes the record's row, then one row per many-to-many change, and the last row
holds the complete state; the rows of its parts written in the same save belong to
the same revision. Revisions are numbered by the record's version (claims, denials,
sources) or by their position in the record's history.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from simple_history.models import HistoricalRecords

CREATED, CHANGED, DELETED = "+", "~", "-"
TYPE_LABELS = {CREATED: "created", CHANGED: "changed", DELETED: "deleted"}


def history_model(model):
    return model.history.model


def is_versioned(model) -> bool:
    return any(f.attname == "version" for f in model._meta.concrete_fields)


def tracked_m2m_fields(model) -> list[models.ManyToManyField]:
    return list(history_model(model)._history_m2m_fields)


def reverse_m2m_fields(model) -> list:
    """The tracked many-to-many fields of other models that point to this one (a
    denial's `claims`, for a claim)."""
    return [
        relation.field
        for relation in model._meta.related_objects
        if relation.many_to_many
        and hasattr(relation.related_model, "history")
        and relation.field in tracked_m2m_fields(relation.related_model)
    ]


def m2m_history_model(m2m_field):
    return HistoricalRecords.m2m_models[m2m_field]


def content_fields(model) -> list[models.Field]:
    return model.content_fields()


def shown_fields(model) -> list[models.Field]:
    """The content fields a diff shows: not a reported date's earliest and latest day,
    which follow from its EDTF text (a month would show as two invented days)."""
    dates = getattr(model, "reported_date_names", list)()
    bounds = {f"{name}_{end}" for name in dates for end in ("earliest", "latest")}
    return [f for f in content_fields(model) if f.attname not in bounds]


def part_relations(model) -> list[tuple[str, type, str]]:
    """The parts edited with a record and restored with it: (related name, model, the
    part's foreign key attname), from the model's `history_parts`."""
    parts = []
    for name in getattr(model, "history_parts", ()):
        relation = next(r for r in model._meta.related_objects if r.get_accessor_name() == name)
        parts.append((name, relation.related_model, relation.field.attname))
    return parts


def cascade_relations(model) -> list[tuple[str, type, str]]:
    """Every tracked model whose rows are deleted with this one (on_delete=CASCADE)."""
    return [
        (r.get_accessor_name(), r.related_model, r.field.attname)
        for r in model._meta.related_objects
        if not r.many_to_many and r.on_delete is models.CASCADE and hasattr(r.related_model, "history")
    ]


@dataclass
class Change:
    field: str  # verbose name
    name: str  # attname, or the many-to-many field's name
    old: object
    new: object


@dataclass
class Revision:
    rows: list  # history rows, oldest first
    number: int  # the version, or the position in the history for unversioned records
    m2m: dict = field(default_factory=dict)  # m2m field name -> set of ids, as of the last row
    changes: list[Change] = field(default_factory=list)  # against the previous revision
    # The first revision of the record's next revision; None for the latest. The record's
    # parts as this revision shows them are their rows written before it.
    until: int | None = None

    @property
    def first(self):
        return self.rows[0]

    @property
    def last(self):
        return self.rows[-1]

    @property
    def date(self) -> datetime:
        return self.first.history_date

    @property
    def user(self):
        return self.first.history_user

    @property
    def reason(self) -> str:
        return next((r.history_change_reason for r in self.rows if r.history_change_reason), "")

    @property
    def type(self) -> str:
        if self.last.history_type == DELETED:
            return DELETED
        return CREATED if self.first.history_type == CREATED else CHANGED

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type]

    @property
    def history_id(self) -> int:
        return self.last.history_id

    @property
    def revision_id(self) -> int:
        return self.first.revision_id

    def value(self, attname):
        return getattr(self.last, attname)


def rows_of(model, pk, *, select_user=True):
    rows = history_model(model).objects.filter(**{model._meta.pk.attname: pk})
    if select_user:
        rows = rows.select_related("history_user")
    return list(rows.order_by("revision_id", "history_id"))


def group_revisions(model, rows) -> list[Revision]:
    """Rows (oldest first) grouped by their revision, with their many-to-many state and
    what changed from one to the next. One query per many-to-many field.

    A versioned record's revisions are its versions: a change of its links alone,
    made in code outside the save that raised the version, joins that version."""
    revisions: list[Revision] = []
    versioned = is_versioned(model)
    for row in rows:
        previous = revisions[-1] if revisions else None
        same_version = (
            versioned
            and previous is not None
            and DELETED not in (previous.last.history_type, row.history_type)
            and row.history_type != CREATED
            and row.version == previous.last.version
        )
        if previous is not None and (previous.revision_id == row.revision_id or same_version):
            previous.rows.append(row)
        else:
            number = row.version if versioned else len(revisions) + 1
            revisions.append(Revision(rows=[row], number=number))
    if versioned:
        for revision in revisions:
            revision.number = revision.last.version
    for earlier, later in zip(revisions, revisions[1:], strict=False):
        earlier.until = later.revision_id
    _attach_m2m(model, revisions)
    _attach_changes(model, revisions)
    return revisions


def revisions_of(model, pk) -> list[Revision]:
    return group_revisions(model, rows_of(model, pk))


def _attach_m2m(model, revisions):
    fields = tracked_m2m_fields(model)
    if not fields or not revisions:
        return
    row_ids = [r.last.history_id for r in revisions]
    for m2m_field in fields:
        snapshot = m2m_snapshot(m2m_field, row_ids)
        for revision in revisions:
            revision.m2m[m2m_field.name] = snapshot.get(revision.last.history_id, set())
    # A deletion row is written after the links are gone: it keeps the last links known.
    for earlier, later in zip(revisions, revisions[1:], strict=False):
        if later.type == DELETED:
            later.m2m = dict(earlier.m2m)


def m2m_snapshot(m2m_field, history_ids) -> dict[int, set[int]]:
    """history_id -> ids linked by the many-to-many field at that row: one query."""
    through = m2m_field.remote_field.through
    target = next(f for f in through._meta.fields if f.is_relation and f.related_model is m2m_field.related_model)
    if m2m_field.related_model is m2m_field.model:
        raise NotImplementedError("self-referencing many-to-many fields are not tracked")
    snapshot: dict[int, set[int]] = {}
    rows = (
        m2m_history_model(m2m_field)
        .objects.filter(history_id__in=history_ids)
        .values_list("history_id", target.attname)
    )
    for history_id, target_id in rows:
        snapshot.setdefault(history_id, set()).add(target_id)
    return snapshot


def _attach_changes(model, revisions):
    fields = shown_fields(model)
    for previous, revision in zip([None, *revisions], revisions, strict=False):
        if revision.type == DELETED:
            continue
        changes = []
        for f in fields:
            new = getattr(revision.last, f.attname)
            old = getattr(previous.last, f.attname) if previous else None
            if previous is None and new in (None, ""):
                continue
            if previous is None or old != new:
                changes.append(Change(str(f.verbose_name), f.attname, old, new))
        for m2m_field in tracked_m2m_fields(model):
            new = revision.m2m.get(m2m_field.name, set())
            old = previous.m2m.get(m2m_field.name, set()) if previous else set()
            if new != old:
                changes.append(Change(str(m2m_field.verbose_name), m2m_field.name, old, new))
        revision.changes = changes


def diff_values(model, old: dict, new: dict) -> list[Change]:
    """Changes between two states given as {attname or m2m name: value}."""
    changes = []
    for f in shown_fields(model):
        if old.get(f.attname) != new.get(f.attname):
            changes.append(Change(str(f.verbose_name), f.attname, old.get(f.attname), new.get(f.attname)))
    for m2m_field in tracked_m2m_fields(model):
        if set(old.get(m2m_field.name, ())) != set(new.get(m2m_field.name, ())):
            changes.append(
                Change(str(m2m_field.verbose_name), m2m_field.name, old.get(m2m_field.name), new.get(m2m_field.name))
            )
    return changes


def current_values(instance) -> dict:
    """The stored state of a live record, in the shape diff_values() compares.
    One query per tracked many-to-many field."""
    model = type(instance)
    values = {f.attname: getattr(instance, f.attname) for f in content_fields(model)}
    for m2m_field in tracked_m2m_fields(model):
        values[m2m_field.name] = set(getattr(instance, m2m_field.name).values_list("pk", flat=True))
    return values


def revision_values(model, revision: Revision) -> dict:
    values = {f.attname: getattr(revision.last, f.attname) for f in content_fields(model)}
    values.update(dict(revision.m2m.items()))
    return values


def parts_as_of(model, pk, until: int | None, *, select_related=()) -> dict[str, list]:
    """The parts of a record (its history_parts) as written before revision `until`
    (or now, if None): part name -> history rows, latest per part, deleted parts left
    out. One query per part relation."""
    parts = {}
    for name, part_model, fk in part_relations(model):
        rows = history_model(part_model).objects.filter(**{fk: pk})
        if until is not None:
            rows = rows.filter(revision_id__lt=until)
        if select_related:
            wanted = [s for s in select_related if _has_relation(history_model(part_model), s)]
            rows = rows.select_related(*wanted)
        parts[name] = latest_alive(rows.order_by("revision_id", "history_id"))
    return parts


def latest_alive(rows) -> list:
    latest = {}
    for row in rows:
        latest[row.id] = row
    alive = [row for row in latest.values() if row.history_type != DELETED]
    return sorted(alive, key=lambda r: (getattr(r, "position", 0) or 0, r.id))


def _has_relation(model, path: str) -> bool:
    try:
        return model._meta.get_field(path.split("__")[0]).is_relation
    except Exception:  # noqa: BLE001
        return False


class Labels:
    """Readable values for changes: choices by label, foreign keys and many-to-many ids
    by the related record's name, fetched in one query per related model."""

    def __init__(self, model, changes_lists):
        self.model = model
        wanted: dict[type, set] = {}
        for changes in changes_lists:
            for change in changes:
                related = self._related_model(change.name)
                if related is None:
                    continue
                for value in (change.old, change.new):
                    if isinstance(value, set | frozenset | list | tuple):
                        wanted.setdefault(related, set()).update(value)
                    elif value is not None:
                        wanted.setdefault(related, set()).add(value)
        self.names = {related: self._names(related, ids) for related, ids in wanted.items()}

    @staticmethod
    def _names(related, ids) -> dict:
        # The name of some records includes a parent's (a source's, its outlet): fetch them too.
        parents = [f.name for f in related._meta.concrete_fields if f.is_relation and not f.null]
        rows = related._base_manager.filter(pk__in=ids)
        return {obj.pk: str(obj) for obj in (rows.select_related(*parents) if parents else rows)}

    def _related_model(self, name):
        for f in self.model._meta.get_fields():
            named = getattr(f, "attname", None) == name or (f.many_to_many and f.name == name)
            if named and f.is_relation and (f.many_to_one or f.many_to_many) and not f.auto_created:
                return f.related_model
        return None

    def show(self, name, value) -> str:
        related = self._related_model(name)
        if related is not None:
            names = self.names.get(related, {})
            if isinstance(value, set | frozenset | list | tuple):
                shown = sorted(names.get(v, f"#{v} (deleted)") for v in value)
                return ", ".join(shown) if shown else "(none)"
            if value is None:
                return "(none)"
            return names.get(value, f"#{value} (deleted)")
        try:
            f = self.model._meta.get_field(name)
        except Exception:  # noqa: BLE001
            f = next((f for f in self.model._meta.concrete_fields if f.attname == name), None)
        if f is not None and f.choices:
            return str(dict(f.flatchoices).get(value, value)) if value not in (None, "") else "(blank)"
        if value in (None, ""):
            return "(blank)"
        return str(value)
