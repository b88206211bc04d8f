"""What every curated model needs to be recorded and safely edited.

- `recording()`: the block in which one revision is written. Every history row
  written inside it belongs to one `Revision` (who, when, why), created with the
  block's first row; a save outside any block is a revision of its own.
- `TrackedHistory`: django-simple-history's HistoricalRecords, with the historical
  tables in the `history` app, a reason of any length, each row's revision, and the
  user and reason taken from `recording()` when the caller did not set them on the
  instance. `history_paused()` writes no history (loading a backup).
- `TrackedModel`: remembers the values it was loaded with, so a save that changes
  nothing writes no history row.
- `VersionedModel`: a `version` raised by one at every saved change, written with a
  compare-and-swap (UPDATE ... WHERE pk = ... AND version = <the version the editor
  loaded>), so two people saving the same record in turn cannot overwrite each other:
  the second save raises `EditConflict` and writes nothing.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models, router, transaction
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from history.models import Revision, RevisionedHistory

HISTORY_APP = "history"


@dataclass
class Recording:
    """Who is writing and why, for the history rows written inside `recording()`."""

    reason: str | None = None
    user: object | None = None
    revision: Revision | None = None  # created with the first history row of the block


_recording: contextvars.ContextVar[Recording | None] = contextvars.ContextVar("history_recording", default=None)


@contextmanager
def recording(*, reason: str | None = None, user=None, revision: Revision | None = None):
    """Give the history rows written inside the block this reason and user (unless a
    saved instance carries its own `_change_reason` / `_history_user`). Yields the
    Recording, whose fields may be filled in later in the block. `revision` continues
    one written earlier in the same transaction (an imported claim's links)."""
    current = Recording(reason=reason, user=user, revision=revision)
    token = _recording.set(current)
    try:
        yield current
        revision = current.revision
        if revision is not None and current.reason and revision.reason != current.reason:
            revision.reason = current.reason  # given after the first row was written
            Revision.objects.filter(pk=revision.pk).update(reason=current.reason)
    finally:
        _recording.reset(token)


_paused: contextvars.ContextVar[bool] = contextvars.ContextVar("history_paused", default=False)


@contextmanager
def history_paused():
    """Write no history inside the block: for loading rows that carry their history
    with them (restoring a backup), where the rows' many-to-many links are set with
    .set(), which would otherwise record a change."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def current_recording() -> Recording | None:
    return _recording.get()


@contextmanager
def one_revision():
    """The current `recording()` block, or a new one: a save, a deletion or a change
    of links made outside any block is a revision of its own, with all the rows it
    writes (a deletion's cascade included)."""
    if (context := current_recording()) is None:
        with recording() as context:
            yield context
        return
    before = context.revision
    try:
        yield context
    except BaseException:
        # The work failed, and the caller's savepoint takes a revision created in it
        # away: the block's next row must not point to it.
        context.revision = before
        raise


class TrackedHistory(HistoricalRecords):
    def __init__(self, **kwargs):
        kwargs.setdefault("app", HISTORY_APP)
        kwargs.setdefault("history_change_reason_field", models.TextField(null=True, blank=True))
        kwargs.setdefault("bases", [RevisionedHistory])
        super().__init__(**kwargs)

    def create_historical_record(self, instance, history_type, using=None):
        if not _paused.get():
            super().create_historical_record(instance, history_type, using=using)

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        if reason is None and (context := current_recording()) is not None:
            reason = context.reason
        return reason or None

    def get_history_user(self, instance):
        if not hasattr(instance, "_history_user") and (context := current_recording()) and context.user:
            return context.user
        return super().get_history_user(instance)

    def post_save(self, instance, created, using=None, **kwargs):
        if not created and getattr(instance, "_unchanged_save", False):
            return  # nothing changed: no history row
        super().post_save(instance, created, using=using, **kwargs)


@receiver(pre_create_historical_record)
def _attach_revision(sender, history_instance, history_user, history_change_reason, history_date, **kwargs):
    """Every history row joins the current block's revision (created with its first
    row), or, written outside a block, a revision of its own."""
    if not isinstance(history_instance, RevisionedHistory):
        return
    context = current_recording()
    revision = context.revision if context is not None else None
    if revision is None:
        revision = Revision.objects.create(
            created_at=history_date,
            user=history_user,
            reason=(context.reason if context is not None else None) or history_change_reason or "",
        )
        if context is not None:
            context.revision = revision
    history_instance.revision = revision


class EditConflict(Exception):
    """Someone saved the record after the editor loaded it; nothing was written."""

    def __init__(self, instance, expected_version: int):
        self.instance = instance
        self.expected_version = expected_version
        super().__init__(
            f"{instance._meta.verbose_name} {instance.pk} was saved by someone else after version {expected_version}."
        )


class TrackedModel(models.Model):
    """Remembers the values loaded from the database, to tell a real change from a
    save that changes nothing."""

    # Related names of the parts edited and restored with the record (inline rows):
    # restoring a version of a claim brings back its relay chain, figures, citations.
    history_parts: tuple[str, ...] = ()
    # Fields a restore of an earlier revision leaves as they are (history.services).
    history_restore_keeps: tuple[str, ...] = ()
    # Fields computed from others on save (a cache, not content): neither in the history
    # nor in its diffs. Give them to TrackedHistory(excluded_fields=...) too.
    derived_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, **kwargs):
        self._unchanged_save = not self._state.adding and not self.changed_fields()
        with one_revision():
            super().save(**kwargs)
        self._remember_stored()

    def delete(self, using=None, keep_parents=False):
        """One revision, with the rows the deletion cascades to."""
        using = using or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using), one_revision():
            return super().delete(using=using, keep_parents=keep_parents)

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._remember_stored()
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        self._remember_stored()

    def prepare_recovered(self, *, may_publish: bool):
        """Adjust a deleted record about to be brought back (history.services)."""

    def check_restored(self):
        """Raise ValidationError if the restored or recovered record may not stand."""

    @classmethod
    def content_fields(cls) -> list[models.Field]:
        """The fields whose change is a change of content: not the ones the database
        or the clock fills in."""
        return [
            f
            for f in cls._meta.concrete_fields
            if not f.primary_key
            and not getattr(f, "auto_now", False)
            and f.attname != "version"
            and f.attname not in cls.derived_fields
        ]

    def changed_fields(self) -> list[str]:
        stored = getattr(self, "_stored", None)
        if stored is None:
            return [f.attname for f in self.content_fields()]
        missing = object()
        # A deferred field never loaded nor set is not in __dict__: unchanged, and not fetched.
        return [
            f.attname
            for f in self.content_fields()
            if f.attname in self.__dict__ and stored.get(f.attname, missing) != self.__dict__[f.attname]
        ]

    def _remember_stored(self):
        self._stored = {
            f.attname: self.__dict__[f.attname] for f in self._meta.concrete_fields if f.attname in self.__dict__
        }


class VersionedModel(TrackedModel):
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by one at every saved change. A save based on an older version is refused, "
        "so two people editing at once cannot overwrite each other.",
    )

    class Meta:
        abstract = True

    # Set by an editor (the admin) before save(): True when parts edited alongside
    # the record (inlines, many-to-many) changed even if its own fields did not.
    new_version: bool | None = None

    def save(self, **kwargs):
        if self._state.adding or kwargs.get("force_insert") or kwargs.get("update_fields") is not None:
            return super().save(**kwargs)
        changed = bool(self.changed_fields())
        bump = self.new_version if self.new_version is not None else changed
        expected = self.version
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            # Compare-and-swap: only the version this editor loaded may be replaced.
            swapped = (
                type(self)
                ._base_manager.using(using)
                .filter(pk=self.pk, version=expected)
                .update(version=expected + 1 if bump else expected)
            )
            if swapped != 1:
                raise EditConflict(self, expected)
            self.version = expected + 1 if bump else expected
            self._unchanged_save = not (changed or bump)
            models.Model.save(self, **kwargs)
        self.new_version = None
        self._remember_stored()
