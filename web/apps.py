from django.apps import AppConfig
from django.core import checks


class WebConfig(AppConfig):
    """The public site: pages, timelines, search, feeds, exports and the API. It reads
    the domain apps (claims, sources); nothing imports it."""

    name = "web"
    verbose_name = "Public site"

    def ready(self):
        from web import site_changes
        from web.export import csl_compat

        site_changes.connect()
        checks.register(csl_compat.check_citeproc_version, checks.Tags.compatibility)
