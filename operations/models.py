"""The site's change counter (operations/http_cache.py). operations/apps.py also hooks
`migrate` through this app."""

from django.db import models


class SiteVersion(models.Model):
    """One row (pk 1): a number raised by one on every committed change to what the public
    site shows (web/site_changes.py connects the domain models' signals to it), and when.
    Public responses carry it as their validator (ETag), so a conditional GET is answered
    with 304 after reading this row alone."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "site version"

    def __str__(self):
        return f"version {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
