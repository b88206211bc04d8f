from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from claims.sitemaps import SITEMAPS
from operations import health
from operations.throttle import ThrottledAdminAuthenticationForm

admin.site.site_header = "Claims knowledge base"
admin.site.site_title = "Claims KB admin"
admin.site.index_title = "Curation"
admin.site.login_form = ThrottledAdminAuthenticationForm  # says why a throttled login is refused

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),  # probes: operations/health.py
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("sources.urls")),
    path("", include("claims.urls")),
    path("", include("claims.export.urls")),
    path("api/", include("claims.api.urls")),
]

# Under /api/ every error is JSON, {"detail": "..."}; elsewhere Django's own pages.
handler400 = "claims.api.errors.bad_request"
handler403 = "claims.api.errors.permission_denied"
handler404 = "claims.api.errors.page_not_found"
handler500 = "claims.api.errors.server_error"
