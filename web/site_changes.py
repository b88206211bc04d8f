"""What raises the site's change counter (operations/http_cache.py): every committed
save, delete or many-to-many change of a model of the apps the public site reads, by
whatever path (the services, the admin's edits of actors, topics, sources and imports,
the importer, history's restore). Publishing, editing, taking back and deleting a claim
all save or delete one, so a record leaving the public view changes the validator too.

Writes that send no signals (bulk_create, queryset.update(), COPY) must bump it
themselves: the corpus generator does, as one of claims.corpus.REFRESH_STEPS; `migrate`
does on every run (operations/apps.py), so a release's new templates are not answered 304.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from operations.http_cache import bump_on_commit

# The apps whose rows the public pages, feeds, exports, API and changelogs show.
PUBLIC_APPS = frozenset({"claims", "sources", "history"})


def _changed(sender, using="default", raw=False, **kwargs):
    if sender._meta.app_label in PUBLIC_APPS:
        bump_on_commit(using)


def _m2m_changed(sender, action, using="default", **kwargs):
    if action.startswith("post_") and sender._meta.app_label in PUBLIC_APPS:
        bump_on_commit(using)


def connect() -> None:
    uid = "web.site_changes"
    post_save.connect(_changed, dispatch_uid=f"{uid}.save")
    post_delete.connect(_changed, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid=f"{uid}.m2m")
