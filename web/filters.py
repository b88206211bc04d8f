"""The public claims list's filters. The HTML list, its data twins and the API share
this FilterSet, so a filtered URL means the same everywhere."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, Q, Value, When

from claims.models import (
    Actor,
    ActorAlias,
    Claim,
    ClaimCertainty,
    ClaimStatus,
    Denial,
    Materiel,
    PublicationState,
    Topic,
    involvement,
)
from web.search import claim_search

SORTS = {
    "-made": "date made, newest first",
    "made": "date made, oldest first",
    "-recorded": "date recorded, newest first",
    "recorded": "date recorded, oldest first",
}


class RecordField(forms.ModelChoiceField):
    """An actor, topic or materiel type named by its slug or its name (an actor also by
    an alias), typed into a text box rather than picked from a <select> of every record:
    the page stays the same size however many records there are. The box suggests names
    from /autocomplete/<kind>/ (web/autocomplete.py, static/js/suggest.js)."""

    def __init__(self, *, suggest: str, null_label=None, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": f"suggest-{suggest}", "data-suggest": suggest}))
        kwargs.setdefault("help_text", "A name, or the slug from its address.")
        super().__init__(**kwargs)
        self.aliases = self.queryset.model is Actor
        self.max_length = 200

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if not value:
            return None
        if len(value) > self.max_length or "\x00" in value:
            raise ValidationError("Give a name or an address slug.", code="invalid")
        # One query; each branch of the union has its index (slug, UPPER(name)).
        named = self.queryset.filter(Q(slug=value) | Q(name__iexact=value)).values("pk")
        if self.aliases:
            named = named.union(ActorAlias.objects.filter(name__iexact=value).values("actor_id"))
        # The slug names one record; a name or alias may be shared: the slug wins.
        matches = list(
            self.queryset.filter(pk__in=named)
            .annotate(by_slug=Case(When(slug=value, then=Value(0)), default=Value(1)))
            .order_by("by_slug", "pk")[:2]
        )
        if not matches:
            label = self.queryset.model._meta.verbose_name
            raise ValidationError(f"No {label} is called {value!r}: pick one of the suggestions.", code="unknown")
        if matches[0].by_slug == 0 or len(matches) == 1:
            return matches[0]
        raise ValidationError(
            f"Several records are called {value!r}: give the slug from the address of the one you mean.",
            code="ambiguous",
        )

    def prepare_value(self, value):
        # A record shows by its slug, which names it whatever its name shares.
        return getattr(value, "slug", value)


class RecordFilter(django_filters.ModelChoiceFilter):
    field_class = RecordField


class ChipsMixin:
    def active(self) -> list[tuple[str, str, str]]:
        """(parameter, label, value as shown) for every filter in use: removable chips."""
        if not self.is_bound or not self.is_valid():
            return []
        chips = []
        for name, value in self.form.cleaned_data.items():
            if name == "sort" or value in (None, ""):
                continue
            field = self.form.fields[name]
            if isinstance(value, bool):
                shown = "denied" if value else "not denied"
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, RecordField):
                shown = dict(field.choices).get(value, value)
            else:
                shown = str(value)
            chips.append((name, field.label, shown))
        return chips


def _overlap_after(queryset, value):
    """Rows whose date made reaches `value` or later; "since 2022" too, undated ones not."""
    open_end = Q(made_latest__isnull=True) & ~Q(made_edtf="")
    return queryset.filter(Q(made_latest__gte=value) | open_end)


def _overlap_before(queryset, value):
    open_start = Q(made_earliest__isnull=True) & ~Q(made_edtf="")  # "on or before 25 October"
    return queryset.filter(Q(made_earliest__lte=value) | open_start)


class ClaimFilter(ChipsMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Text",
        method="filter_text",
        max_length=200,
        help_text="Words in the claim, its quotes, or an actor's name or alias.",
    )
    topic = RecordFilter(
        label="Topic", field_name="topics", to_field_name="slug", queryset=Topic.objects.all(), suggest="topics"
    )
    involving = RecordFilter(
        label="Involving (claimant, relay, subject or denier)",
        field_name="attributions__actor",  # for the API schema; filter_involving does the filtering
        to_field_name="slug",
        queryset=Actor.objects.all(),
        method="filter_involving",
        suggest="actors",
    )
    claimant = RecordFilter(
        label="Claimant (anywhere in the relay chain)",
        field_name="attributions__actor",  # for the API schema; filter_claimant does the filtering
        to_field_name="slug",
        queryset=Actor.objects.all(),
        method="filter_claimant",
        suggest="actors",
    )
    subject = RecordFilter(
        label="About (subject)",
        field_name="subjects",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        suggest="actors",
    )
    materiel = RecordFilter(to_field_name="slug", queryset=Materiel.objects.all(), suggest="materiel")
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, empty_label="any status")
    certainty = django_filters.ChoiceFilter(
        label="Claimant's certainty", choices=ClaimCertainty.choices, empty_label="any certainty"
    )
    has_denial = django_filters.BooleanFilter(
        label="Denied",
        method="filter_has_denial",
        widget=forms.Select(choices=[("", "either"), ("true", "denied"), ("false", "not denied")]),
    )
    # A claim's date is a range of days ("August 2023", "about June 2022", "since 2022"):
    # these match every claim whose range reaches the day given, so that a month or an
    # open-ended date is found from either side of it. Undated claims match neither.
    made_after = django_filters.DateFilter(
        label="Made on or after",
        field_name="made_latest",
        method="filter_made_after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    made_before = django_filters.DateFilter(
        label="Made on or before",
        field_name="made_earliest",
        method="filter_made_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=list(SORTS.items()), method="filter_nothing", empty_label=None, null_value=None
    )

    class Meta:
        model = Claim
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.filter(claim_search(value.strip())) if value.strip() else queryset

    def filter_claimant(self, queryset, name, value):
        return queryset.involving(value, "claimant")

    def filter_involving(self, queryset, name, value):
        denied_by = Exists(
            Denial.claims.through.objects.filter(
                claim=OuterRef("pk"), denial__deniers=value, denial__state=PublicationState.PUBLISHED
            )
        )
        return queryset.filter(involvement(value, None) | denied_by)

    def filter_has_denial(self, queryset, name, value):
        denied = Exists(Denial.objects.published().filter(claims=OuterRef("pk")))
        return queryset.filter(denied if value else ~denied)

    def filter_made_after(self, queryset, name, value):
        return _overlap_after(queryset, value)

    def filter_made_before(self, queryset, name, value):
        return _overlap_before(queryset, value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # sorting is the paginator's job (claims/pagination.py)

    @property
    def chosen_sort(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        return value if value in SORTS else "-made"


class DenialFilter(ChipsMixin, django_filters.FilterSet):
    """The denials list's filters: who denied, on which topic, when."""

    denier = RecordFilter(
        label="Denied by", field_name="deniers", to_field_name="slug", queryset=Actor.objects.all(), suggest="actors"
    )
    topic = RecordFilter(
        label="Topic (of a claim it answers)",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        method="filter_topic",
        suggest="topics",
    )
    made_after = django_filters.DateFilter(
        label="Made on or after", method="filter_made_after", widget=forms.DateInput(attrs={"type": "date"})
    )
    made_before = django_filters.DateFilter(
        label="Made on or before", method="filter_made_before", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Denial
        fields = []

    def filter_topic(self, queryset, name, value):
        answers = Denial.claims.through.objects.filter(
            denial=OuterRef("pk"), claim__topics=value, claim__state=PublicationState.PUBLISHED
        )
        return queryset.filter(Exists(answers))

    def filter_made_after(self, queryset, name, value):
        return _overlap_after(queryset, value)

    def filter_made_before(self, queryset, name, value):
        return _overlap_before(queryset, value)
