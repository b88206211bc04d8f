from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from claims.sitemaps import SITEMAPS

admin.site.site_header = "Claims knowledge base"
admin.site.site_title = "Claims KB admin"
admin.site.index_title = "Curation"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("sources.urls")),
    path("", include("claims.urls")),
]
