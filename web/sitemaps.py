"""/sitemap.xml is a sitemap index (config/urls.py): one section per kind of record,
each split into files of at most RecordSitemap.limit addresses, so no response grows
with the number of claims."""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.db.models import Max
from django.urls import reverse

from claims.models import Actor, Claim, Denial, Materiel, Topic
from sources.models import Outlet, Source


class PkRangePaginator:
    """Pages of records by ranges of primary keys: file N lists the records whose pk lies
    in ((N - 1) * limit, N * limit], one index range scan however deep, where Django's
    Paginator would COUNT every row and skip (N - 1) * limit of them with OFFSET. A file
    holds fewer addresses where records were deleted or are drafts."""

    def __init__(self, queryset, per_page: int):
        self.queryset, self.per_page = queryset, per_page

    @property
    def num_pages(self) -> int:
        highest = self.queryset.aggregate(highest=Max("pk"))["highest"] or 0
        return max(1, -(-highest // self.per_page))

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results")
        low = (number - 1) * self.per_page
        rows = self.queryset.filter(pk__gt=low, pk__lte=low + self.per_page).order_by("pk")
        return Page(rows, number, self)


class RecordSitemap(Sitemap):
    limit = 10_000  # addresses a file: about 1 MB of XML (the protocol allows 50,000)
    fields = ("pk", "slug")  # what get_absolute_url reads

    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset.only(*self.fields).order_by("pk")

    @property
    def paginator(self):
        return PkRangePaginator(self.items(), self.limit)


class DatedSitemap(RecordSitemap):
    fields = ("pk", "slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # Django's default reads every item to take the latest: one aggregate instead.
        return self.queryset.aggregate(latest=Max("updated_at"))["latest"]


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
