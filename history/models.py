"""A revision: one act of saving (a record with its parts and links, an import of a
record, a restore, a deletion), with who, when and why. Every history row points to
the revision that wrote it, so a record's revisions, its parts as they stood at one of
them and the rows a deletion took with it are read by revision id, never guessed from
timestamps."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Revision(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"revision {self.pk} by {self.user or 'an unknown user'} at {self.created_at:%Y-%m-%d %H:%M}"


class RevisionedHistory(models.Model):
    """The base of every historical table (TrackedHistory): the row's revision."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
