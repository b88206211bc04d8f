"""The admin site: Django's, with the home page in the order of curation and an
autocomplete whose results say what each record is (claims/admin_search.py).

settings.INSTALLED_APPS names CurationAdminConfig in place of django.contrib.admin, so
`admin.site` (and @admin.register) is a CurationSite.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse

from claims.admin_search import LabelledAutocompleteJsonView

# The home page's groups, in the order an analyst works: the outlet, the source, its
# claims, the denials answering them; then what they refer to, then their parts (each
# also edited inline on its claim, denial or source page). Models of the curated apps
# not named here go to "Details"; other apps (users, groups) follow as Django lists them.
CURATION_GROUPS = [
    ("1. Outlets", ["sources.outlet"]),
    ("2. Sources", ["sources.source"]),
    ("3. Claims", ["claims.claim"]),
    ("4. Denials", ["claims.denial"]),
    (
        "Reference: who and what claims are about",
        ["claims.actor", "claims.actoralias", "claims.topic", "claims.materiel"],
    ),
    (
        "Details: the parts of claims, denials and sources",
        [
            "claims.attribution",
            "claims.quantity",
            "claims.claimcitation",
            "claims.claimlink",
            "claims.denialcitation",
            "sources.derivation",
        ],
    ),
]
CURATED_APPS = ("sources", "claims")
INTAKE_URL_NAME = "sources_source_intake"


class CurationSite(admin.AdminSite):
    site_header = "Claims knowledge base"
    site_title = "Claims KB admin"
    index_title = "Curation"
    index_template = "admin/curation_index.html"

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    def intake_url(self) -> str:
        """The source intake page (sources/admin_intake.py)."""
        return reverse(f"{self.name}:{INTAKE_URL_NAME}", current_app=self.name)

    def get_app_list(self, request, app_label=None):
        """Every app's own page (app_label given) as Django lists it; the home page and
        the side bar in CURATION_GROUPS' order."""
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        curated = {}
        others = []
        for app in app_list:
            if app["app_label"] in CURATED_APPS:
                curated.update({model["model"]._meta.label_lower: (app, model) for model in app["models"]})
            else:
                others.append(app)
        groups = []
        named = {label for _, labels in CURATION_GROUPS for label in labels}
        for title, labels in CURATION_GROUPS:
            if title.startswith("Details"):  # and any curated model not named above
                labels = labels + sorted(label for label in curated if label not in named)
            rows = [curated[label] for label in labels if label in curated]
            if not rows:
                continue
            first_app, first_model = rows[0]
            models = [model for _, model in rows]
            if labels == ["sources.source"] and first_model.get("add_url"):
                models.append(
                    {
                        "name": "Add from a page, file or text",
                        "object_name": "SourceIntake",
                        "admin_url": self.intake_url(),
                        "add_url": None,
                        "perms": first_model["perms"],
                        "view_only": False,
                        "is_action": True,
                    }
                )
            single = len(labels) == 1
            groups.append(
                {
                    "name": title,
                    "app_label": first_app["app_label"],
                    "app_url": first_model["admin_url"]
                    if single and first_model["admin_url"]
                    else first_app["app_url"],
                    "has_module_perms": True,
                    "models": models,
                }
            )
        return groups + others


class CurationAdminConfig(AdminConfig):
    default_site = "config.admin_site.CurationSite"
