"""The public claims list's filters. The HTML list, its data twins and the API share
this FilterSet, so a filtered URL means the same everywhere."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from claims.models import Actor, Claim, ClaimCertainty, ClaimStatus, Denial, Materiel, Topic
from web.search import claim_search

SORTS = {
    "-made": "date made, newest first",
    "made": "date made, oldest first",
    "-recorded": "date recorded, newest first",
    "recorded": "date recorded, oldest first",
}


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Text",
        method="filter_text",
        max_length=200,
        help_text="Words in the claim, its quotes, or an actor's name or alias.",
    )
    topic = django_filters.ModelChoiceFilter(
        label="Topic", field_name="topics", to_field_name="slug", queryset=Topic.objects.all(), empty_label="any topic"
    )
    claimant = django_filters.ModelChoiceFilter(
        label="Claimant (anywhere in the relay chain)",
        field_name="attributions__actor",  # for the API schema; filter_claimant does the filtering
        to_field_name="slug",
        queryset=Actor.objects.all(),
        method="filter_claimant",
        empty_label="anyone",
    )
    subject = django_filters.ModelChoiceFilter(
        label="About (subject)",
        field_name="subjects",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        empty_label="anyone",
    )
    materiel = django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=Materiel.objects.all(), empty_label="any materiel"
    )
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

    def filter_has_denial(self, queryset, name, value):
        denied = Exists(Denial.objects.published().filter(claims=OuterRef("pk")))
        return queryset.filter(denied if value else ~denied)

    def filter_made_after(self, queryset, name, value):
        open_end = Q(made_latest__isnull=True) & ~Q(made_edtf="")  # "since 2022"
        return queryset.filter(Q(made_latest__gte=value) | open_end)

    def filter_made_before(self, queryset, name, value):
        open_start = Q(made_earliest__isnull=True) & ~Q(made_edtf="")  # "on or before 25 October"
        return queryset.filter(Q(made_earliest__lte=value) | open_start)

    def filter_nothing(self, queryset, name, value):
        return queryset  # sorting is the paginator's job (claims/pagination.py)

    @property
    def chosen_sort(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        return value if value in SORTS else "-made"

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
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                shown = dict(field.choices).get(value, value)
            else:
                shown = str(value)
            chips.append((name, field.label, shown))
        return chips
