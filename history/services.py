"""Writing from the history: restore an earlier revision of a record, bring back a
deleted one with its parts and links, and delete one so that it can be brought back.
Each runs in one transaction and is a revision of its own (with the user and reason
given), so a restore can be undone like any other change.

The workflow of the records is theirs, not this module's: a model names the fields a
restore leaves alone (`history_restore_keeps`), may adjust a record it brings back
(`prepare_recovered()`) and may refuse the result (`check_restored()`).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

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
    reverse_m2m_fields,
    rows_of,
    tracked_m2m_fields,
)
from history.tracking import EditConflict, recording


@dataclass
class Restored:
    instance: object
    skipped: list[str] = field(default_factory=list)  # parts or links that could not come back


class NotRestorable(Exception):
    pass


def save_record(
    *,
    instance,
    user,
    reason: str | None,
    expected_version: int | None = None,
    new_version: bool | None = None,
    save_parts=None,
):
    """Save a record edited together with its parts (inline rows, many-to-many links)
    as one revision, in one transaction: the admin's write. For a versioned record,
    `expected_version` is the version the editor loaded (compare-and-swap: EditConflict
    if someone saved since) and `new_version` whether anything changed, parts included.
    `save_parts()` writes the parts once the record has its primary key."""
    with transaction.atomic(), recording(reason=reason, user=user):
        if expected_version is not None:
            instance.version = expected_version
            instance.new_version = new_version
        instance._change_reason = reason
        instance.save()
        if save_parts is not None:
            save_parts()
    return instance


def restore_revision(*, model, pk, history_id: int, expected_version: int | None, user, reason: str) -> Restored:
    """Make the live record match one of its earlier revisions: its fields (but not
    those its model keeps, such as the publication state), its many-to-many links and
    its parts (relay chain, figures, citations ...) as they stood then.

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
        keep = set(model.history_restore_keeps)
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
    """Bring back a deleted record as it was when deleted, with the rows deleted with it
    and the links other records had to it: exactly what its deletion revision took.
    `may_publish` is passed to the model's prepare_recovered()."""
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
        instance.prepare_recovered(may_publish=may_publish)
        result = Restored(instance)
        instance.full_clean(validate_unique=True)
        instance._change_reason = reason
        instance.save(force_insert=True)
        if any(f.name == "created_at" for f in model._meta.concrete_fields):
            model._base_manager.filter(pk=pk).update(created_at=deletion.last.created_at)
        _set_m2m(instance, deletion.m2m, result)
        _recover_cascaded(model, pk, deletion.revision_id, result)
        _relink_reverse_m2m(model, pk, deletion.revision_id)
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
    # Derived fields are not in the history: the part's save() computes them again.
    return {
        f.attname: getattr(row, f.attname)
        for f in part_model._meta.concrete_fields
        if f.attname not in getattr(part_model, "derived_fields", ())
    }


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


def _recover_cascaded(model, pk, revision_id: int, result: Restored):
    for _name, part_model, fk in cascade_relations(model):
        rows = history_model(part_model).objects.filter(**{fk: pk}, history_type=DELETED, revision_id=revision_id)
        alive = set(part_model._base_manager.filter(**{fk: pk}).values_list("pk", flat=True))
        for row in rows.order_by("history_id"):
            if row.id not in alive:
                _recreate(part_model, _row_values(part_model, row), str(part_model._meta.verbose_name), result)


def _relink_reverse_m2m(model, pk, revision_id: int):
    """Links other records held to this one (a denial answering a deleted claim) went
    with the deletion, and the owners' history was not told: an owner whose last
    history row before the deletion revision lists this record links it again. One
    query per relation pointing to this model, then one link per owner brought back."""
    for m2m_field in reverse_m2m_fields(model):
        owner_history = history_model(m2m_field.model)
        through = m2m_field.remote_field.through
        target = next(f for f in through._meta.fields if f.is_relation and f.related_model is model)
        listing = m2m_history_model(m2m_field).objects.filter(**{target.attname: pk}).values("history_id")
        last_before = (
            owner_history.objects.filter(id=OuterRef("id"), revision_id__lt=revision_id)
            .order_by("-revision_id", "-history_id")
            .values("history_id")[:1]
        )
        owner_ids = owner_history.objects.filter(history_id__in=listing, history_id=Subquery(last_before)).values("id")
        for owner in m2m_field.model._base_manager.filter(pk__in=owner_ids):
            getattr(owner, m2m_field.name).add(pk)


def delete_record(*, instance, user, reason: str):
    """Delete a record, with what it cascades to, as one revision with this user and
    reason, so that it can be recovered."""
    with transaction.atomic(), recording(reason=reason, user=user):
        instance.delete()


def _check_restored(instance):
    instance.check_restored()
