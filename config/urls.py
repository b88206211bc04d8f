from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from operations import health
from operations.throttle import ThrottledAdminAuthenticationForm
from web.sitemaps import SITEMAPS

admin.site.site_header = "Claims knowledge base"
admin.site.site_title = "Claims KB admin"
admin.site.index_title = "Curation"
admin.site.login_form = ThrottledAdminAuthenticationForm  # says why a throttled login is refused

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),  # probes: operations/health.py
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("web.urls")),
    path("", include("web.export.urls")),
    path("api/", include("web.api.urls")),
]

# Under /api/ every error is JSON, {"detail": "..."}; elsewhere Django's own pages.
handler400 = "web.api.errors.bad_request"
handler403 = "web.api.errors.permission_denied"
handler404 = "web.api.errors.page_not_found"
handler500 = "web.api.errors.server_error"
