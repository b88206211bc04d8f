"""Curation of outlets, sources and derivations.

Every changelist fetches what its columns show in a fixed number of queries
(list_select_related, annotations), whatever the page size.
"""

from django.contrib import admin
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from history.admin import HistoryAdminMixin
from operations.admin_scale import ValueFilter, YearFilter, shown_count
from operations.django_fixes import TabularInline
from operations.slugs import AutoSlugAdminMixin
from sources.admin_intake import IntakeAdminViews
from sources.date_fields import newest_first
from sources.models import Derivation, Outlet, Reliability, Source


def date_in_words(value) -> str:
    """A ReportedDate as readers see it ('about August 2023'), or the admin's empty marker."""
    return str(value) if value else "-"


def html_list(items) -> str:
    """A <ul> of links from (url, text, detail) triples, every part escaped; "-" when empty."""
    rows = format_html_join("", '<li><a href="{}">{}</a> ({})</li>', items)
    return format_html("<ul>{}</ul>", rows) if rows else "-"


@admin.register(Outlet)
class OutletAdmin(AutoSlugAdminMixin, HistoryAdminMixin):
    list_display = ["name", "kind", "domain", "country", "reliability", "source_count"]
    list_filter = ["kind", "reliability", "country"]
    search_fields = ["name", "slug", "domain"]
    fields = ["name", "slug", "kind", "domain", "country", "reliability", "notes"]
    shown_counts = {"source_count": "sources"}

    @admin.display(description="sources")
    def source_count(self, obj):
        url = reverse("admin:sources_source_changelist") + f"?outlet__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, shown_count(obj.source_count))


class DerivationInline(TabularInline):
    """What this source was taken from."""

    model = Derivation
    fk_name = "source"
    fields = ["kind", "derived_from", "note"]
    autocomplete_fields = ["derived_from"]
    extra = 1
    verbose_name = "derived from"
    verbose_name_plural = "derived from (follow these back to count independent origins)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "derived_from__outlet")


class PublishedInYearFilter(YearFilter):
    title = "year published"
    field_path = "published_earliest"


class LanguageFilter(ValueFilter):
    title = "language"
    parameter_name = "language"
    hint = "BCP 47 tag, e.g. en"
    field_path = "language"


@admin.register(Source)
class SourceAdmin(IntakeAdminViews, AutoSlugAdminMixin, HistoryAdminMixin):
    # The changelist links the intake page (sources/admin_intake.py) beside "Add source".
    change_list_template = "admin/sources/source/change_list.html"
    slug_from, slug_key_words = "title", True  # operations/slugs.py: no prepopulated_fields
    list_display = [
        "title",
        "outlet",
        "kind",
        "published_display",
        "outlet_reliability",
        "effective_reliability",
    ]
    list_filter = [
        "kind",
        "outlet__kind",
        "outlet__reliability",
        "reliability_override",
        LanguageFilter,
        PublishedInYearFilter,
    ]
    list_select_related = ["outlet"]
    search_fields = ["title", "slug", "url", "authors", "issuer", "outlet__name", "outlet__domain"]
    autocomplete_fields = ["outlet"]
    readonly_fields = ["outlet_reliability", "effective_reliability", "text_sha256", "raw_sha256", "derived_copies"]
    fieldsets = [
        (
            None,
            {"fields": [("outlet", "issuer"), "title", "slug", "kind", "url", "archive_url", "authors", "language"]},
        ),
        ("Dates", {"fields": [("published_edtf", "published_as_worded", "published_inferred"), "retrieved_at"]}),
        ("Reliability", {"fields": ["reliability_override", ("outlet_reliability", "effective_reliability")]}),
        ("Text", {"fields": ["text", "text_sha256", "raw_sha256"]}),
        ("Notes", {"fields": ["notes"]}),
        ("Copies taken from this document", {"fields": ["derived_copies"]}),
    ]
    inlines = [DerivationInline]
    ordering = newest_first("published")

    def get_urls(self):
        return self.intake_urls() + super().get_urls()  # before the admin's catch-all <object_id>/

    def get_queryset(self, request):
        # As Source.reliability: its own grade, its outlet's, else F (cannot be judged).
        effective = Coalesce(NullIf("reliability_override", Value("")), "outlet__reliability", Value(Reliability.F))
        return super().get_queryset(request).annotate(effective_grade=effective)

    @admin.display(description="published", ordering="published_earliest")
    def published_display(self, obj):
        return date_in_words(obj.published)

    @admin.display(description="outlet's grade", ordering="outlet__reliability")
    def outlet_reliability(self, obj):
        return obj.outlet.get_reliability_display() if obj.outlet_id else "-"

    @admin.display(description="effective grade", ordering="effective_grade")
    def effective_reliability(self, obj):
        label = Reliability(obj.reliability).label
        return f"{label} (this document)" if obj.reliability_override else label

    @admin.display(description="derived copies")
    def derived_copies(self, obj):
        """Documents taken from this one; each is edited on its own page."""
        copies = obj.derived_copies.select_related("source__outlet") if obj.pk else []
        return html_list(
            (reverse("admin:sources_source_change", args=[d.source_id]), d.source, d.get_kind_display()) for d in copies
        )


@admin.register(Derivation)
class DerivationAdmin(HistoryAdminMixin):
    list_display = ["source", "kind", "derived_from"]
    list_filter = ["kind"]
    list_select_related = ["source__outlet", "derived_from__outlet"]
    search_fields = ["source__title", "derived_from__title", "note"]
    autocomplete_fields = ["source", "derived_from"]
    fields = ["source", "kind", "derived_from", "note"]
