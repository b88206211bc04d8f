"""/sitemap.xml is a sitemap index (config/urls.py): one section per kind of record,
each split into files of RecordSitemap.limit addresses, so no response grows with the
number of claims."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from claims.models import Actor, Claim, Denial, Materiel, Topic
from sources.models import Outlet, Source


class RecordSitemap(Sitemap):
    limit = 10_000  # addresses a file: about 1 MB of XML (the protocol allows 50,000)
    fields = ("pk", "slug")  # what get_absolute_url reads

    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset.only(*self.fields).order_by("pk")


class DatedSitemap(RecordSitemap):
    fields = ("pk", "slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class PageSitemap(Sitemap):
    names = ["web:home", "web:claim_list", "web:topic_list", "web:actor_list", "web:source_list"]

    def items(self):
        return self.names

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PageSitemap,
    "claims": DatedSitemap(Claim.objects.published()),
    "denials": DatedSitemap(Denial.objects.published()),
    "topics": RecordSitemap(Topic.objects.all()),
    "actors": RecordSitemap(Actor.objects.all()),
    "materiel": RecordSitemap(Materiel.objects.all()),
    "sources": RecordSitemap(Source.objects.all()),
    "outlets": RecordSitemap(Outlet.objects.all()),
}
