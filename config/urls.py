from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
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
    # An index of sitemap files, each of at most RecordSitemap.limit addresses (web/sitemaps.py).
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"}, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("", include("web.urls")),
    path("", include("web.export.urls")),
    path("api/", include("web.api.urls")),
]

# Under /api/ every error is JSON, {"detail": "..."}; elsewhere Django's own pages.
handler400 = "web.api.errors.bad_request"
handler403 = "web.api.errors.permission_denied"
handler404 = "web.api.errors.page_not_found"
handler500 = "web.api.errors.server_error"
