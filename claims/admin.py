"""Curation of actors, topics, materiel, claims and denials.

A claim is edited on one page: its relay chain, quantities, citations and outgoing
links are inlines, and the denials answering it are listed with links. Only users
with the publish permission (the "editor" group) may publish a claim or a denial or
take a published one back; the form refuses it for everyone else, on every POST.
Publishing needs a citation that quotes its source (Publishable.publication_rule),
counting the citations saved in the same POST; every save goes through
claims.services.save_publishable; changing a published record needs a reason, shown in its public
changelog. Every model has a history page (restore any revision) and a list of its
deleted records (bring one back): see history/admin.py.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Prefetch
from django.urls import path, reverse

from claims import services
from claims.admin_fields import FigureField
from claims.admin_search import RankedSearchMixin
from claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    ClaimLink,
    ClaimSearchDocument,
    Denial,
    DenialCitation,
    DenialKind,
    DenialOtherKind,
    DenialRedirect,
    DenialSearchDocument,
    Materiel,
    PublicationState,
    Publishable,
    Quantity,
    Topic,
)
from claims.quote_admin import QuoteView
from claims.search_documents import matching_documents
from history.admin import HistoryAdminMixin, HistoryForm
from operations.admin_scale import TypedRecordFilter, YearFilter, shown_count
from operations.django_fixes import StackedInline, TabularInline
from operations.formsets import GuardedInlineFormSet
from operations.slugs import AutoSlugAdminMixin
from sources.admin import date_in_words, html_list
from sources.date_fields import newest_first

# Publication


class PublicationForm(HistoryForm):
    """Refuses a change of state to or from "published" unless the user may publish;
    refuses publishing without a quoted citation; asks a reason for changing a
    published record."""

    may_publish = False  # set per request by PublicationAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_state = None if self.instance._state.adding else self.instance.state

    def clean_state(self):
        state = self.cleaned_data["state"]
        published = PublicationState.PUBLISHED
        if not self.may_publish and state != self.stored_state:
            if state == published:
                raise ValidationError("Only editors can publish.", code="publish_denied")
            if self.stored_state == published:
                raise ValidationError("Only editors can take a published record back.", code="unpublish_denied")
        return state

    def reason_required(self) -> bool:
        return self.stored_state == PublicationState.PUBLISHED and self.content_changed()

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("state")
        if state == PublicationState.PUBLISHED:  # the rule reads the citations only then
            has_quote = self.has_quoted_citation()
            stored = self.stored_state == PublicationState.PUBLISHED
            problem = Publishable.publication_rule(
                state=state,
                has_quote=has_quote,
                was_published_without_quote=not has_quote and stored and not self.instance.has_quoted_citation(),
            )
            if problem:
                self.add_error("state", ValidationError(problem, code="publish_needs_quote"))
        return cleaned

    def has_quoted_citation(self) -> bool:
        """Whether the record will have a citation with a quote once this POST is saved:
        the citations inline as posted (rows added, edited, deleted), else as stored."""
        formset = next((fs for fs in self.related_formsets() if fs.prefix == "citations"), None)
        if formset is None:
            return not self.instance._state.adding and self.instance.has_quoted_citation()
        if not formset.is_valid():
            return True  # the formset shows its own errors; judge again once they are fixed
        return any(
            data.get("quote", "").strip() and not data.get("DELETE") and data.get("source")
            for data in (form.cleaned_data for form in formset.forms)
            if data
        )


class PublicationAdmin(HistoryAdminMixin):
    form = PublicationForm
    publish_permission = ""  # "app_label.codename"
    actions = ["publish_selected"]
    search_documents = None  # ClaimSearchDocument or DenialSearchDocument

    def get_search_results(self, request, queryset, search_term):
        """The record whose slug is the term, else those whose search document matches
        (one GIN-indexed lookup on PostgreSQL). The default ORs a substring match over
        five joined tables, then DISTINCTs: 12.8 s over a million claims; and an OR of
        the slug and the documents would keep the planner from the index."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if queryset.filter(slug=term).exists():
            return queryset.filter(slug=term), False
        owner = self.search_documents._meta.pk.name
        return queryset.filter(pk__in=matching_documents(self.search_documents, term).values(owner)), False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        may_publish = request.user.has_perm(self.publish_permission)
        return type(form.__name__, (form,), {"may_publish": may_publish})

    def write(self, request, form, **kwargs):
        return services.save_publishable(
            record=kwargs.pop("instance"), stored_state=form.stored_state, user=request.user, **kwargs
        )

    def default_reason(self, request, obj, form, change):
        stored = getattr(form, "stored_state", None)
        if obj.state == PublicationState.PUBLISHED and stored != PublicationState.PUBLISHED:
            return "Published"
        return None

    def has_publish_permission(self, request):
        return request.user.has_perm(self.publish_permission)

    @admin.action(description="Publish the selected records", permissions=["publish"])
    def publish_selected(self, request, queryset):
        publish = services.publish_claim if self.model is Claim else services.publish_denial
        keyword = "claim" if self.model is Claim else "denial"
        done = 0
        for record in queryset:
            try:
                publish(**{keyword: record}, user=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"“{record}” was not published: {' '.join(exc.messages)}", messages.ERROR)
            except PermissionDenied as exc:
                self.message_user(request, f"“{record}” was not published: {exc}", messages.ERROR)
        if done:
            self.message_user(
                request, f"Published {done} {self.opts.verbose_name if done == 1 else self.opts.verbose_name_plural}."
            )


# Inlines. Each one's formset is a GuardedInlineFormSet (operations/formsets.py), which
# refuses crafted row counts and ids; max_num bounds the rows a page may post.


class PositionedFormSet(GuardedInlineFormSet):
    """Rows of an ordered inline. A row saved without a position goes after the last
    one, in page order, so adding a link to a chain needs no numbering."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields["position"]
        field.required = False
        field.validators.append(MinValueValidator(1))
        field.help_text = f"{field.help_text} Leave blank to put it last.".lstrip()
        if form.instance._state.adding:
            form.initial["position"] = None

    def clean(self):
        super().clean()
        stored = [obj.position for obj in self.get_queryset()]
        posted = [form.cleaned_data.get("position") for form in self.forms if getattr(form, "cleaned_data", None)]
        last = max([p for p in stored + posted if p], default=0)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE") and data.get("position") is None:
                last += 1
                form.instance.position = last


class AttributionInline(TabularInline):
    model = Attribution
    formset = PositionedFormSet
    fields = [
        "position",
        "actor",
        "speaker",
        "role",
        "channel",
        "document",
        "date_edtf",
        "date_as_worded",
        "date_inferred",
    ]
    ordering = ["position", "pk"]
    autocomplete_fields = ["actor", "document"]
    extra = 1
    max_num = 30
    verbose_name_plural = "relay chain, from the origin (1) towards the public"

    class Media:
        css = {"all": ["css/admin-claim-form.css"]}  # the row within a 1,280 px screen

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class QuantityInline(StackedInline):
    model = Quantity
    formset = PositionedFormSet
    fields = [
        ("position", "as_worded"),
        ("kind", "certainty"),
        ("comparator", "low", "high"),
        ("item", "unit", "materiel"),
        ("as_of_edtf", "as_of_as_worded", "as_of_inferred"),
        "reading",
    ]
    readonly_fields = ["reading"]
    ordering = ["position", "pk"]
    autocomplete_fields = ["materiel"]
    formfield_overrides = {models.DecimalField: {"form_class": FigureField}}  # "13000", not "13000.00"
    extra = 0
    max_num = 50

    @admin.display(description="reads as")
    def reading(self, obj):
        return obj.describe() if obj.pk else "-"


class CitationInline(StackedInline):
    formset = PositionedFormSet
    fields = [
        ("source", "position", "stance", "locator"),
        "quote",
        ("quote_prefix", "quote_suffix"),
        "translation",
        "note",
        "quote_found",
    ]
    readonly_fields = ["quote_found"]
    ordering = ["position", "pk"]
    autocomplete_fields = ["source"]
    extra = 0
    max_num = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source__outlet")

    @admin.display(description="quote found in the source's text", boolean=True)
    def quote_found(self, obj):
        return obj.quote_found if obj.pk else None


class ClaimCitationInline(CitationInline):
    model = ClaimCitation


class DenialCitationInline(CitationInline):
    model = DenialCitation


class DenialOtherKindInline(TabularInline):
    model = DenialOtherKind
    formset = GuardedInlineFormSet
    fields = ["kind"]
    extra = 0
    max_num = len(DenialKind.choices) - 1
    verbose_name_plural = "also a … (a dismissal that is also a counter-claim)"


class ClaimLinkInline(TabularInline):
    model = ClaimLink
    formset = GuardedInlineFormSet
    fk_name = "from_claim"
    fields = ["kind", "to_claim", "note"]
    autocomplete_fields = ["to_claim"]
    extra = 0
    max_num = 50
    verbose_name = "link to another claim"
    verbose_name_plural = "links to other claims (read: this claim <kind> the other)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_claim", "to_claim")


class ActorAliasInline(TabularInline):
    model = ActorAlias
    formset = GuardedInlineFormSet
    fields = ["name", "language"]
    extra = 1
    max_num = 50


# Claims and denials


class MadeInYearFilter(YearFilter):
    title = "year made"
    field_path = "made_earliest"


class TopicFilter(TypedRecordFilter):
    title = "topic"
    parameter_name = "topic"
    hint = "Slug or name"
    related_model = Topic
    field_path = "topics"


@admin.register(Claim)
class ClaimAdmin(AutoSlugAdminMixin, PublicationAdmin):
    slug_from, slug_key_words = "proposition", True  # operations/slugs.py: no prepopulated_fields
    publish_permission = "claims.publish_claim"
    search_documents = ClaimSearchDocument
    list_display = [
        "__str__",
        "made_display",
        "relay_chain",
        "certainty",
        "status",
        "likelihood",
        "state",
        "denial_count",
    ]
    list_filter = [
        "state",
        "status",
        "certainty",
        "likelihood",
        "confidence",
        "credibility",
        MadeInYearFilter,
        TopicFilter,
    ]
    # Searched through the claims' search documents (get_search_results), not these:
    # they name what a document holds, and give the admin its search box.
    search_fields = ["proposition", "slug", "attributions__actor__name", "attributions__actor__aliases__name"]
    search_help_text = "Words of the proposition, its quotes or the names of the actors in it; or its slug."
    autocomplete_fields = ["subjects", "topics", "materiel"]
    readonly_fields = ["version", "created_at", "updated_at", "denial_links", "links_in"]
    fieldsets = [
        (
            "Proposition and dates",
            {
                "fields": [
                    "proposition",
                    "slug",
                    ("made_edtf", "made_as_worded", "made_inferred"),
                    ("period_start_edtf", "period_start_as_worded", "period_start_inferred"),
                    ("period_end_edtf", "period_end_as_worded", "period_end_inferred"),
                ]
            },
        ),
        ("The claimant's certainty", {"fields": [("certainty", "hedge")]}),
        ("Our assessment", {"fields": ["status", ("likelihood", "confidence"), "credibility"]}),
        ("What it is about", {"fields": ["subjects", "topics", "materiel"]}),
        ("Publication", {"fields": ["state", ("version", "created_at", "updated_at")]}),
        ("Notes", {"fields": ["notes"]}),
        ("Denials and links from other claims", {"fields": ["denial_links", "links_in"]}),
    ]
    inlines = [AttributionInline, QuantityInline, ClaimCitationInline, ClaimLinkInline]
    ordering = newest_first("made")
    shown_counts = {"denial_count": "denials"}

    def get_urls(self):
        # Before the admin's own: "<path:object_id>/" would take "quote/1/" otherwise.
        quote = path("quote/<int:source_pk>/", self.admin_site.admin_view(QuoteView(self)), name="claims_claim_quote")
        return [quote, *super().get_urls()]

    def get_queryset(self, request):
        chain = Attribution.objects.select_related("actor").order_by("position", "pk")
        return super().get_queryset(request).prefetch_related(Prefetch("attributions", queryset=chain))

    @admin.display(description="made", ordering="made_earliest")
    def made_display(self, obj):
        return date_in_words(obj.made)

    @admin.display(description="relay chain")
    def relay_chain(self, obj):
        return " → ".join(a.actor.name for a in obj.attributions.all()) or "-"

    @admin.display(description="denials")
    def denial_count(self, obj):
        return shown_count(obj.denial_count)

    @admin.display(description="denials answering this claim")
    def denial_links(self, obj):
        if not obj.pk:
            return "-"
        denials = obj.denials.order_by("made_earliest", "made_latest", "pk")
        return html_list(
            (reverse("admin:claims_denial_change", args=[d.pk]), d, f"{d.get_kind_display()}, {d.get_state_display()}")
            for d in denials
        )

    @admin.display(description="links from other claims")
    def links_in(self, obj):
        if not obj.pk:
            return "-"
        links = obj.links_in.select_related("from_claim")
        return html_list(
            (reverse("admin:claims_claim_change", args=[link.from_claim_id]), link.from_claim, link.get_kind_display())
            for link in links
        )


@admin.register(Denial)
class DenialAdmin(AutoSlugAdminMixin, PublicationAdmin):
    slug_from, slug_key_words = "statement", True  # operations/slugs.py: no prepopulated_fields
    publish_permission = "claims.publish_denial"
    search_documents = DenialSearchDocument
    list_display = ["__str__", "made_display", "kind", "denier_names", "claim_count", "state"]
    list_filter = ["state", "kind", MadeInYearFilter]
    # As for claims: through the denials' search documents.
    search_fields = ["statement", "slug", "deniers__name", "deniers__aliases__name"]
    search_help_text = "Words of the statement, its quotes or the deniers' names; or its slug."
    autocomplete_fields = ["deniers", "claims"]
    readonly_fields = ["version", "created_at", "updated_at", "old_addresses"]
    fieldsets = [
        ("Statement and date", {"fields": ["statement", "slug", ("made_edtf", "made_as_worded", "made_inferred")]}),
        ("Who denied, and how", {"fields": ["deniers", "kind", "channel"]}),
        ("Claims it answers", {"fields": ["claims"]}),
        ("Publication", {"fields": ["state", ("version", "created_at", "updated_at")]}),
        ("Notes", {"fields": ["notes", "old_addresses"]}),
    ]
    inlines = [DenialOtherKindInline, DenialCitationInline]

    def slug_also_taken(self):
        return (DenialRedirect.objects.all(),)  # old addresses of merged denials stay theirs

    actions = ["publish_selected", "merge_selected"]
    ordering = newest_first("made")
    shown_counts = {"claim_count": "claims"}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deniers")

    @admin.display(description="made", ordering="made_earliest")
    def made_display(self, obj):
        return date_in_words(obj.made)

    @admin.display(description="denied by")
    def denier_names(self, obj):
        return ", ".join(actor.name for actor in obj.deniers.all()) or "-"

    @admin.display(description="claims answered")
    def claim_count(self, obj):
        return shown_count(obj.claim_count)

    @admin.display(description="addresses of denials merged into this one")
    def old_addresses(self, obj):
        slugs = list(obj.redirects.values_list("slug", flat=True)) if obj.pk else []
        return ", ".join(slugs) or "-"

    @admin.action(description="Merge the selected denials into the one recorded first")
    def merge_selected(self, request, queryset):
        denials = list(queryset)
        try:
            kept = services.merge_denials(denials=denials, user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, f"Nothing was merged: {message}", messages.ERROR)
            return
        self.message_user(request, f"Merged {len(denials)} denials into “{kept}”; the others' addresses lead to it.")


# Who and what claims are about


@admin.register(Actor)
class ActorAdmin(RankedSearchMixin, AutoSlugAdminMixin, HistoryAdminMixin):
    list_display = ["name", "kind", "country", "parent", "alias_names"]
    list_filter = ["kind", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "aliases__name", "wikidata_id"]
    autocomplete_fields = ["parent"]
    fields = ["name", "slug", "kind", "country", "parent", "wikidata_id", "description", "track_record"]
    inlines = [ActorAliasInline]
    alias_model, alias_fk, autocomplete_related = ActorAlias, "actor", ("parent",)  # claims/admin_search.py

    def autocomplete_label(self, obj):
        """ "National Intelligence Service — agency, South Korea"."""
        parent = f", {obj.parent.name}" if obj.parent_id else ""
        return f"{obj.name} — {obj.get_kind_display()}{parent}"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_names(self, obj):
        return ", ".join(alias.name for alias in obj.aliases.all()) or "-"


@admin.register(ActorAlias)
class ActorAliasAdmin(HistoryAdminMixin):
    list_display = ["name", "actor", "language"]
    list_filter = ["language"]
    list_select_related = ["actor"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
    fields = ["actor", "name", "language"]


@admin.register(Topic)
class TopicAdmin(RankedSearchMixin, AutoSlugAdminMixin, HistoryAdminMixin):
    list_display = ["name", "slug", "claim_count"]
    search_fields = ["name", "slug", "description"]
    fields = ["name", "slug", "description"]
    shown_counts = {"claim_count": "claims"}

    @admin.display(description="claims")
    def claim_count(self, obj):
        return shown_count(obj.claim_count)


@admin.register(Materiel)
class MaterielAdmin(RankedSearchMixin, AutoSlugAdminMixin, HistoryAdminMixin):
    list_display = ["name", "category", "parent"]
    list_filter = ["category"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["parent"]
    fields = ["name", "slug", "category", "parent", "description"]
    autocomplete_related = ("parent",)

    def autocomplete_label(self, obj):
        parent = f", {obj.parent.name}" if obj.parent_id else ""
        return f"{obj.name} — {obj.get_category_display()}{parent}"


# The parts of a claim or denial, each also reachable on its own


@admin.register(Attribution)
class AttributionAdmin(HistoryAdminMixin):
    list_display = ["claim", "position", "actor", "role", "channel", "date_display"]
    list_filter = ["role"]
    list_select_related = ["claim", "actor"]
    search_fields = ["claim__proposition", "claim__slug", "actor__name", "channel"]
    autocomplete_fields = ["claim", "actor"]
    fields = ["claim", "position", "actor", "role", "channel", ("date_edtf", "date_as_worded", "date_inferred")]

    @admin.display(description="date", ordering="date_earliest")
    def date_display(self, obj):
        return date_in_words(obj.date)


@admin.register(Quantity)
class QuantityAdmin(HistoryAdminMixin):
    list_display = ["reading", "claim", "materiel", "as_of_display"]
    list_filter = ["comparator", "materiel__category"]
    list_select_related = ["claim", "materiel"]
    search_fields = ["item", "as_worded", "unit", "claim__proposition", "claim__slug"]
    autocomplete_fields = ["claim", "materiel"]
    formfield_overrides = {models.DecimalField: {"form_class": FigureField}}
    fields = [
        "claim",
        ("position", "as_worded"),
        ("kind", "certainty"),
        ("comparator", "low", "high"),
        ("item", "unit", "materiel"),
        ("as_of_edtf", "as_of_as_worded", "as_of_inferred"),
    ]

    @admin.display(description="quantity")
    def reading(self, obj):
        return obj.describe()

    @admin.display(description="as of", ordering="as_of_earliest")
    def as_of_display(self, obj):
        return date_in_words(obj.as_of)


class CitationAdmin(HistoryAdminMixin):
    list_filter = ["stance"]
    citation_fields = [
        ("source", "position", "stance", "locator"),
        "quote",
        ("quote_prefix", "quote_suffix"),
        "translation",
        "note",
    ]

    @admin.display(description="quote")
    def quote_excerpt(self, obj):
        return obj.quote if len(obj.quote) <= 80 else obj.quote[:79] + "…"

    @admin.display(description="found in text", boolean=True)
    def quote_found(self, obj):
        return obj.quote_found


class CitationFigureInline(TabularInline):
    model = CitationFigure
    formset = GuardedInlineFormSet
    fields = ["quantity", "as_worded"]
    autocomplete_fields = ["quantity"]
    extra = 0
    max_num = 50
    verbose_name_plural = "the claim's figures as this source words them"


@admin.register(ClaimCitation)
class ClaimCitationAdmin(CitationAdmin):
    inlines = [CitationFigureInline]
    list_display = ["claim", "source", "stance", "quote_excerpt", "quote_found"]
    list_select_related = ["claim", "source__outlet"]
    search_fields = ["quote", "translation", "locator", "source__title", "claim__proposition", "claim__slug"]
    autocomplete_fields = ["claim", "source"]
    fields = ["claim", *CitationAdmin.citation_fields]


@admin.register(DenialCitation)
class DenialCitationAdmin(CitationAdmin):
    list_display = ["denial", "source", "stance", "quote_excerpt", "quote_found"]
    list_select_related = ["denial", "source__outlet"]
    search_fields = ["quote", "translation", "locator", "source__title", "denial__statement", "denial__slug"]
    autocomplete_fields = ["denial", "source"]
    fields = ["denial", *CitationAdmin.citation_fields]


@admin.register(ClaimLink)
class ClaimLinkAdmin(HistoryAdminMixin):
    list_display = ["from_claim", "kind", "to_claim"]
    list_filter = ["kind"]
    list_select_related = ["from_claim", "to_claim"]
    search_fields = ["from_claim__proposition", "from_claim__slug", "to_claim__proposition", "to_claim__slug", "note"]
    autocomplete_fields = ["from_claim", "to_claim"]
    fields = ["from_claim", "kind", "to_claim", "note"]
