from django.apps import AppConfig
from django.core import checks


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        from claims.export import csl_compat

        checks.register(csl_compat.check_citeproc_version, checks.Tags.compatibility)
