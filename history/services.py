"""Writing from the history: restore an earlier revision of a record, or bring back a
deleted one, with its parts and many-to-many links. Each runs in one transaction and
records its own history rows (with the user and reason given), so a restore can be
undone like any other change.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from history.records import (
    DELETED,
    cascade_relations,
    content_fields,
    group_revisions,
    history_model,
    is_versioned,
    m2m_history_model,
    part_relations,
    parts_as_of,
    rows_of,
    tracked_m2m_fields,
)
from history.tracking import EditConflict, recording

# Rows deleted with a record (cascade) are written just before the record's own
# deletion row; parts deleted within this window are brought back with it.
CASCADE_WINDOW = timedelta(seconds=10)


@dataclass
class Restored:
    instance: object
    skipped: list[str] = field(default_factory=list)  # parts or links that could not come back


class NotRestorable(Exception):
    pass


def restore_revision(*, model, pk, history_id: int, expected_version: int | None, user, reason: str) -> Restored:
    """Make the live record match one of its earlier revisions: its fields (but not its
    publication state: publishing stays an editor's explicit act), its many-to-many
    links and its parts (relay chain, figures, citations ...) as they stood then.

    Raises EditConflict if the record changed since `expected_version` was shown,
    ValidationError if the restored record would break a rule (a slug taken since),
    NotRestorable if the revision is unknown.
    """
    revisions = group_revisions(model, rows_of(model, pk, select_user=False))
    revision = next((r for r in revisions if history_id in {row.history_id for row in r.rows}), None)
    if revision is None or revision.type == DELETED:
        raise NotRestorable("No such revision of this record.")
    with transaction.atomic(), recording(reason=reason, user=user):
        instance = model._base_manager.select_for_update().filter(pk=pk).first()
        if instance is None:
            raise NotRestorable("This record has been deleted: recover it from the list of deleted records.")
        if is_versioned(model) and expected_version is not None and instance.version != expected_version:
            raise EditConflict(instance, expected_version)
        keep = {"state"}  # publication is not restored
        for f in content_fields(model):
            if f.name not in keep:
                setattr(instance, f.attname, getattr(revision.last, f.attname))
        result = Restored(instance)
        _save(instance, reason=reason, user=user)
        _set_m2m(instance, revision.m2m, result)
        _restore_parts(model, pk, parts_as_of(model, pk, revision.until), result)
        _check_restored(instance)
    return result


def deleted_records(model, *, limit: int = 200) -> list:
    """The last history row of every record of `model` that is deleted now, newest
    first: two queries."""
    rows = history_model(model).objects.filter(history_type=DELETED).select_related("history_user")
    rows = rows.order_by("-history_date", "-history_id")[: limit * 2]
    latest = {}
    for row in rows:
        latest.setdefault(row.id, row)
    alive = set(model._base_manager.filter(pk__in=latest).values_list("pk", flat=True))
    return [row for pk, row in latest.items() if pk not in alive][:limit]


def recover_deleted(*, model, pk, user, reason: str, may_publish: bool) -> Restored:
    """Bring back a deleted record as it was when deleted, with the parts deleted with
    it and the links other records had to it. A record that was published comes back
    in review unless the user may publish."""
    if model._base_manager.filter(pk=pk).exists():
        raise NotRestorable("This record exists: restore one of its revisions instead.")
    revisions = group_revisions(model, rows_of(model, pk, select_user=False))
    if not revisions or revisions[-1].type != DELETED:
        raise NotRestorable("No deleted record with this id.")
    deletion = revisions[-1]
    with transaction.atomic(), recording(reason=reason, user=user):
        instance = model(pk=pk)
        for f in content_fields(model):
            setattr(instance, f.attname, getattr(deletion.last, f.attname))
        if is_versioned(model):
            instance.version = deletion.last.version + 1
        if getattr(instance, "state", None) == "published" and not may_publish:
            instance.state = "in_review"
        result = Restored(instance)
        instance.full_clean(validate_unique=True)
        instance._change_reason = reason
        instance.save(force_insert=True)
        if any(f.name == "created_at" for f in model._meta.concrete_fields):
            model._base_manager.filter(pk=pk).update(created_at=deletion.last.created_at)
        _set_m2m(instance, deletion.m2m, result)
        _recover_cascaded(model, pk, deletion.date, result)
        _relink_reverse_m2m(model, pk, result)
        _check_restored(instance)
    return result


# -- helpers ---------------------------------------------------------------------


def _save(instance, *, reason, user):
    instance.full_clean()
    if is_versioned(type(instance)):
        instance.new_version = True
    instance._change_reason = reason
    instance.save()


def _set_m2m(instance, m2m: dict, result: Restored):
    for m2m_field in tracked_m2m_fields(type(instance)):
        wanted = set(m2m.get(m2m_field.name, set()))
        existing = set(m2m_field.related_model._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for missing in sorted(wanted - existing):
            result.skipped.append(f"{m2m_field.verbose_name}: #{missing} no longer exists")
        getattr(instance, m2m_field.name).set(existing)


def _row_values(part_model, row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in part_model._meta.concrete_fields}


def _recreate(part_model, values: dict, label: str, result: Restored) -> bool:
    part = part_model(**values)
    try:
        with transaction.atomic():
            part.full_clean()
            part.save(force_insert=True)
    except (ValidationError, IntegrityError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        result.skipped.append(f"{label} #{values['id']}: {'; '.join(messages)}")
        return False
    return True


def _restore_parts(model, pk, target: dict, result: Restored):
    for name, part_model, fk in part_relations(model):
        wanted = {row.id: _row_values(part_model, row) for row in target[name]}
        current = {part.pk: part for part in part_model._base_manager.filter(**{fk: pk})}
        label = str(part_model._meta.verbose_name)
        # Remove what differs first, then insert: no transient clash on unique constraints.
        for part_pk, part in current.items():
            if part_pk not in wanted or _row_values(part_model, part) != wanted[part_pk]:
                part.delete()
        for part_pk, values in wanted.items():
            if part_pk in current and _row_values(part_model, current[part_pk]) == values:
                continue
            _recreate(part_model, values, label, result)


def _recover_cascaded(model, pk, deleted_at, result: Restored):
    for _name, part_model, fk in cascade_relations(model):
        rows = history_model(part_model).objects.filter(
            **{fk: pk},
            history_type=DELETED,
            history_date__gte=deleted_at - CASCADE_WINDOW,
            history_date__lte=deleted_at,
        )
        alive = set(part_model._base_manager.filter(**{fk: pk}).values_list("pk", flat=True))
        seen = set()
        for row in rows.order_by("-history_date", "-history_id"):
            if row.id in alive or row.id in seen:
                continue
            seen.add(row.id)
            _recreate(part_model, _row_values(part_model, row), str(part_model._meta.verbose_name), result)


def _relink_reverse_m2m(model, pk, result: Restored):
    """Links other records held to this one (a denial answering a deleted claim) went
    with the deletion without a history row of their own: their last history row still
    lists this record. Put those links back."""
    from django.apps import apps

    for other in apps.get_models():
        if not hasattr(other._meta, "simple_history_manager_attribute"):
            continue
        for m2m_field in tracked_m2m_fields(other):
            if m2m_field.related_model is not model:
                continue
            through = m2m_field.remote_field.through
            target = next(f for f in through._meta.fields if f.is_relation and f.related_model is model)
            links = m2m_history_model(m2m_field).objects.filter(**{target.attname: pk})
            linked_rows = set(links.values_list("history_id", flat=True))
            owner_ids = set(
                history_model(other).objects.filter(history_id__in=linked_rows).values_list("id", flat=True)
            )
            latest = {}
            for row in history_model(other).objects.filter(id__in=owner_ids).order_by("history_date", "history_id"):
                latest[row.id] = row
            owners = other._base_manager.in_bulk([i for i, row in latest.items() if row.history_id in linked_rows])
            for owner in owners.values():
                getattr(owner, m2m_field.name).add(pk)


def _check_restored(instance):
    check = getattr(instance, "publication_problem", None)
    if check is not None and (problem := check()):
        raise ValidationError(problem)
