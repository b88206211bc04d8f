"""What raises the site's change counter (operations/http_cache.py): every committed
save, delete or many-to-many change of a model of the apps the public site reads, by
whatever path (the services, the admin's edits of actors, topics, sources and imports,
the importer, history's restore). Publishing, editing, taking back and deleting a claim
all save or delete one, so a record leaving the public view changes the validator too.

Writes that send no signals (bulk_create, queryset.update(), COPY) must bump it
themselves: the corpus generator does, as one of claims.corpus.REFRESH_STEPS; `migrate`
does on every run (operations/apps.py), so a release's new templates are not answered 304.
"""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from operations.http_cache import bump_on_commit

# The apps whose rows the public pages, feeds, exports, API and changelogs show.
PUBLIC_APPS = ("claims", "sources", "history")


def _changed(sender, using="default", **kwargs):
    bump_on_commit(using)


def _m2m_changed(sender, action, using="default", **kwargs):
    if action.startswith("post_"):
        bump_on_commit(using)


def connect() -> None:
    """Receivers on each model of PUBLIC_APPS, not on every model: a model with delete
    receivers loses Django's fast (one-statement) delete in cascades, so simple_history's
    historical models, deleted in bulk and only beside a change to their record, get no
    post_delete receiver, and derived tables (`derived_rebuild`) none at all. A model
    that says `public = False` (sources.IntakeRequest) is shown on no public page: none."""
    uid = "web.site_changes"
    for app in PUBLIC_APPS:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            label = model._meta.label_lower
            if hasattr(model, "derived_rebuild"):
                continue  # derived data (search documents, copy index): written only beside a change that bumps
            if getattr(model, "public", True) is False:
                continue  # staff's working rows no public page shows (intake requests)
            post_save.connect(_changed, sender=model, weak=False, dispatch_uid=f"{uid}.save.{label}")
            if model._meta.auto_created:  # a many-to-many table: its changes come as m2m_changed
                m2m_changed.connect(_m2m_changed, sender=model, weak=False, dispatch_uid=f"{uid}.m2m.{label}")
            elif getattr(model, "instance_type", None) is None:  # not a historical model
                post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=f"{uid}.delete.{label}")
