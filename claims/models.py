"""What was asserted, by whom, through whom, with what numbers, and who denied it."""

import datetime as dt
import itertools
import re

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Upper
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from history.tracking import TrackedHistory, TrackedModel, VersionedModel
from sources.date_fields import (
    ReportedDateAccessor,
    ReportedDates,
    newest_first_index,
    reported_date,
    reported_date_indexes,
    reported_date_rules,
)
from sources.models import Source, country_code, country_constraint


class PublicationState(models.TextChoices):
    DRAFT = "draft", "draft"
    IN_REVIEW = "in_review", "in review"
    PUBLISHED = "published", "published"


STATE_HELP = (
    "Draft: work in progress, seen only in the admin. In review: ready for an editor. "
    "Published: visible to every reader. Only editors may publish."
)


PUBLISH_NEEDS_QUOTE = (
    "Publishing needs at least one citation with the exact quote from its source: "
    "add a citation and fill in its quote first."
)


class Publishable:
    """Claims and denials reach readers only when published, and only with a quoted source.

    The workflow's rules for the history: a restore leaves the publication state alone
    (publishing stays an editor's explicit act), a published record recovered by
    someone who may not publish comes back in review, and neither may leave a published
    record without a quote."""

    history_restore_keeps = ("state",)

    def prepare_recovered(self, *, may_publish: bool):
        if self.state == PublicationState.PUBLISHED and not may_publish:
            self.state = PublicationState.IN_REVIEW

    def check_restored(self):
        if problem := self.publication_problem():
            raise ValidationError(problem, code="publish_needs_quote")

    @staticmethod
    def publication_rule(*, state: str, has_quote: bool, was_published_without_quote: bool = False) -> str | None:
        """The publication rule, written once: a published record needs a citation that
        quotes its source. Callers say what the record will hold (the admin counts the
        citations as posted; the others read them stored). A record published before
        the rule, without any quote, may still be edited: `was_published_without_quote`."""
        if state != PublicationState.PUBLISHED or has_quote or was_published_without_quote:
            return None
        return PUBLISH_NEEDS_QUOTE

    def has_quoted_citation(self) -> bool:
        return any(citation.quote.strip() for citation in self.citations.all())

    def publication_problem(self) -> str | None:
        """Why this record may not be published as stored (publishing, importing,
        restoring), or None."""
        if self.state != PublicationState.PUBLISHED:
            return None
        return self.publication_rule(state=self.state, has_quote=self.has_quoted_citation())


# Lists sort by date made with undated rows last. A missing day stands in as the first
# day there is (newest first) or the last (oldest first), so that the order has no NULLs
# and "the page after this row" is one row-value comparison (web/pagination.py), which
# these partial indexes over published rows answer with a range scan.
FIRST_DAY, LAST_DAY = dt.date(1, 1, 1), dt.date(9999, 12, 31)


def day_or(field: str, stand_in: dt.date):
    return Coalesce(field, Value(stand_in), output_field=models.DateField())


def list_order_indexes(prefix: str, *, recorded: bool = True) -> list:
    published = Q(state="published")
    indexes = [
        models.Index(
            day_or("made_earliest", stand_in),
            day_or("made_latest", stand_in),
            F("id"),
            name=f"{prefix}_list_made_{direction}",
            condition=published,
        )
        for direction, stand_in in (("desc", FIRST_DAY), ("asc", LAST_DAY))
    ]
    if recorded:
        indexes.append(models.Index(F("created_at"), F("id"), name=f"{prefix}_list_recorded", condition=published))
    return indexes


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=PublicationState.PUBLISHED)


INVOLVEMENT_ROLES = ("claimant", "made", "relayed", "endorsed", "about")


def involvement(actor, role: str | None = None):
    """The condition that a claim involves the actor, for filter() or (for one role)
    annotate(). Roles:

    - None: any of the below: the actor is anywhere in the relay chain or a subject
      (the actor page, its feed and its exports);
    - "claimant": anywhere in the relay chain, whatever its role (the claimant filter);
    - "made", "relayed", "endorsed": in the chain as originator, relay or endorser
      (the actor page's sections);
    - "about": one of the claim's subjects.
    """
    if role is None:
        return involvement(actor, "claimant") | involvement(actor, "about")
    if role == "about":
        return Exists(Claim.subjects.through.objects.filter(claim=OuterRef("pk"), actor=actor))
    chain = Attribution.objects.filter(claim=OuterRef("pk"), actor=actor)
    chain_roles = {
        "made": AttributionRole.ORIGINATOR,
        "relayed": AttributionRole.RELAY,
        "endorsed": AttributionRole.ENDORSER,
    }
    if role in chain_roles:
        chain = chain.filter(role=chain_roles[role])
    elif role != "claimant":
        raise ValueError(f"Unknown role {role!r}: use None or one of {', '.join(INVOLVEMENT_ROLES)}.")
    return Exists(chain)


class ClaimQuerySet(PublishedQuerySet):
    """Reads of claims. Pages and exports take their querysets from here, so each
    issues a constant number of queries whatever the number of rows."""

    def involving(self, actor, role: str | None = None):
        """Claims involving the actor in the given role (see involvement())."""
        return self.filter(involvement(actor, role))

    def for_list(self):
        return self.prefetch_related(
            models.Prefetch("attributions", queryset=Attribution.objects.select_related("actor")),
            "quantities",
            "topics",
            models.Prefetch(
                "denials", queryset=Denial.objects.published().only("pk", "slug"), to_attr="public_denials"
            ),
        )

    def for_detail(self):
        return self.prefetch_related(
            models.Prefetch("attributions", queryset=Attribution.objects.select_related("actor")),
            models.Prefetch("quantities", queryset=Quantity.objects.select_related("materiel")),
            models.Prefetch("citations", queryset=ClaimCitation.objects.select_related("source__outlet")),
            models.Prefetch(
                "denials",
                queryset=Denial.objects.published().prefetch_related(
                    "deniers",
                    models.Prefetch("citations", queryset=DenialCitation.objects.select_related("source__outlet")),
                ),
                to_attr="public_denials",
            ),
            models.Prefetch(
                "links_out",
                queryset=ClaimLink.objects.filter(to_claim__state=PublicationState.PUBLISHED).select_related(
                    "to_claim"
                ),
            ),
            models.Prefetch(
                "links_in",
                queryset=ClaimLink.objects.filter(from_claim__state=PublicationState.PUBLISHED).select_related(
                    "from_claim"
                ),
            ),
            "subjects",
            "topics",
            "materiel",
        )


class ClaimCitationQuerySet(models.QuerySet):
    def published(self):
        """Citations of published claims."""
        return self.filter(claim__state=PublicationState.PUBLISHED)


class DenialCitationQuerySet(models.QuerySet):
    def published(self):
        """Citations of published denials."""
        return self.filter(denial__state=PublicationState.PUBLISHED)


class DenialQuerySet(PublishedQuerySet):
    def for_list(self):
        return self.prefetch_related(
            "deniers",
            "other_kinds",
            models.Prefetch(
                "claims", queryset=Claim.objects.published().only("pk", "slug", "proposition"), to_attr="public_claims"
            ),
        )

    def for_detail(self):
        return self.for_list().prefetch_related(
            models.Prefetch("citations", queryset=DenialCitation.objects.select_related("source__outlet")),
        )


class ActorKind(models.TextChoices):
    STATE = "state", "state"
    GOVERNMENT_BODY = "government_body", "government body"
    AGENCY = "agency", "agency"
    MILITARY = "military", "military"
    LEGISLATURE = "legislature", "legislature"
    PERSON = "person", "person"
    INTERNATIONAL_ORGANISATION = "international_organisation", "international organisation"
    MEDIA = "media", "media"
    COMPANY = "company", "company"
    OTHER = "other", "other"


class Actor(TrackedModel):
    Kind = ActorKind

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    country = models.CharField(
        max_length=2, blank=True, validators=[country_code], help_text="ISO 3166-1 alpha-2 code, e.g. KR."
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The body this actor belongs to: the NIS is part of South Korea's government.",
    )
    description = models.TextField(blank=True)
    track_record = models.TextField(
        blank=True,
        help_text="What is known of this actor's record as a claimant, with its source: "
        "'The agency has a mixed record on tracking developments in North Korea (AP, 1 November 2023).'",
    )
    wikidata_id = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9]\d*$", "A Wikidata ID looks like Q423.")],
    )

    history = TrackedHistory()
    history_parts = ("aliases",)

    class Meta:
        ordering = ["name"]
        # The list filters find an actor by its name in any case (web/filters.py).
        indexes = [models.Index(Upper("name"), name="actor_upper_name")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="actor_slug_unique"),
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="actor_wikidata_id_format",
                violation_error_message="A Wikidata ID looks like Q423.",
            ),
            country_constraint("actor_country_is_two_letters"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="actor_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("web:actor_detail", args=[self.slug])

    def clean(self):
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": "An actor cannot be its own parent."})


class ActorAlias(TrackedModel):
    """Another name readers search by: DPRK, Pyongyang, 북한."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag when not English: ko, ru.")

    history = TrackedHistory()

    class Meta:
        ordering = ["actor", "name"]
        verbose_name_plural = "actor aliases"
        indexes = [models.Index(Upper("name"), name="actoralias_upper_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "name"],
                name="actor_alias_unique",
                violation_error_message="This actor already has that alias.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.actor.get_absolute_url()


class Topic(TrackedModel):
    """A story that groups claims: "North Korean munitions for Russia"."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="topic_slug_unique")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("web:topic_detail", args=[self.slug])


class MaterielCategory(models.TextChoices):
    ARTILLERY_AMMUNITION = "artillery_ammunition", "artillery ammunition"
    ROCKET_ARTILLERY = "rocket_artillery", "rocket artillery"
    BALLISTIC_MISSILE = "ballistic_missile", "ballistic missile"
    ANTI_TANK_MISSILE = "anti_tank_missile", "anti-tank missile"
    SMALL_ARMS = "small_arms", "small arms"
    MORTAR = "mortar", "mortar"
    AIRCRAFT = "aircraft", "aircraft"
    AIR_DEFENCE = "air_defence", "air defence"
    SPACE_TECHNOLOGY = "space_technology", "space technology"
    NUCLEAR_TECHNOLOGY = "nuclear_technology", "nuclear technology"
    OTHER = "other", "other"


class Materiel(TrackedModel):
    """An equipment type, from broad (artillery ammunition) to narrow (152 mm shell)."""

    Category = MaterielCategory

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    category = models.CharField(max_length=30, choices=Category.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The broader type: 'artillery shell' for '152 mm shell'.",
    )
    description = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "materiel"
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="materiel_slug_unique"),
            models.CheckConstraint(condition=Q(category__in=MaterielCategory.values), name="materiel_category_valid"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="materiel_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("web:materiel_detail", args=[self.slug])

    def clean(self):
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": "A materiel type cannot be its own parent."})


class ClaimCertainty(models.TextChoices):
    STATED_AS_FACT = "fact", "stated as fact"
    PROBABLE = "probable", "probable (likely, believes)"
    POSSIBLE = "possible", "possible (signs, may, could)"
    UNCLEAR = "unclear", "unclear"


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", "reported"
    CORROBORATED = "corroborated", "corroborated"
    DISPUTED = "disputed", "disputed"
    CONFIRMED = "confirmed", "confirmed"
    REFUTED = "refuted", "refuted"
    RETRACTED = "retracted", "retracted"
    SUPERSEDED = "superseded", "superseded"


STATUS_EXPLAINED = {
    ClaimStatus.REPORTED: "made and reported; not yet checked against other evidence",
    ClaimStatus.CORROBORATED: "supported by at least one independent origin",
    ClaimStatus.DISPUTED: "credibly denied or contradicted",
    ClaimStatus.CONFIRMED: "established by evidence we judge conclusive",
    ClaimStatus.REFUTED: "shown to be false; kept on record, not deleted",
    ClaimStatus.RETRACTED: "withdrawn by the claimant",
    ClaimStatus.SUPERSEDED: "replaced by a newer claim (see linked claims)",
}


class Credibility(models.IntegerChoices):
    """NATO Admiralty code, credibility of the information itself."""

    CONFIRMED = 1, "1: confirmed by other sources"
    PROBABLY_TRUE = 2, "2: probably true"
    POSSIBLY_TRUE = 3, "3: possibly true"
    DOUBTFUL = 4, "4: doubtful"
    IMPROBABLE = 5, "5: improbable"
    CANNOT_BE_JUDGED = 6, "6: truth cannot be judged"


class ClaimLikelihood(models.TextChoices):
    """ICD 203 expressions of likelihood, with their probability ranges."""

    ALMOST_NO_CHANCE = "almost_no_chance", "almost no chance (1-5%)"
    VERY_UNLIKELY = "very_unlikely", "very unlikely (5-20%)"
    UNLIKELY = "unlikely", "unlikely (20-45%)"
    ROUGHLY_EVEN = "roughly_even", "roughly even chance (45-55%)"
    LIKELY = "likely", "likely (55-80%)"
    VERY_LIKELY = "very_likely", "very likely (80-95%)"
    ALMOST_CERTAIN = "almost_certain", "almost certain (95-99%)"


class ClaimConfidence(models.TextChoices):
    LOW = "low", "low"
    MODERATE = "moderate", "moderate"
    HIGH = "high", "high"


class Claim(ReportedDates, Publishable, VersionedModel):
    Certainty = ClaimCertainty

    Status = ClaimStatus

    Likelihood = ClaimLikelihood

    Confidence = ClaimConfidence

    slug = models.SlugField(max_length=150)
    proposition = models.TextField(
        help_text="One sentence: what was asserted, in neutral words, with the claimant's hedge kept "
        "('NIS believes North Korea shipped ...'). Figures go in the quantities below as well."
    )
    made_edtf, made_earliest, made_latest, made_as_worded, made_inferred = reported_date(
        "made", "When the claim was first asserted."
    )
    (
        period_start_edtf,
        period_start_earliest,
        period_start_latest,
        period_start_as_worded,
        period_start_inferred,
    ) = reported_date("period start", "Start of the period the claim covers: 'since August' is 2023-08.")
    period_end_edtf, period_end_earliest, period_end_latest, period_end_as_worded, period_end_inferred = reported_date(
        "period end", "End of the covered period; blank when open-ended."
    )
    certainty = models.CharField(
        "claimant's certainty",
        max_length=10,
        choices=Certainty.choices,
        default=Certainty.UNCLEAR,
        help_text="How sure the claimant said it was, as worded: stated as fact; probable ('likely', "
        "'believes'); possible ('signs', 'may'); unclear. This is the claimant's hedge, not ours.",
    )
    hedge = models.CharField(
        "hedge as worded",
        max_length=100,
        blank=True,
        help_text="The claimant's own hedging word(s): 'likely', 'signs'.",
    )
    status = models.CharField(
        max_length=15,
        choices=Status.choices,
        default=Status.REPORTED,
        help_text="Our assessment of where the claim stands. Reported: made, not yet checked. "
        "Corroborated: supported by an independent origin. Disputed: credibly denied or contradicted. "
        "Confirmed: established. Refuted: shown false. Retracted: withdrawn by the claimant. "
        "Superseded: replaced by a newer claim (link it). Nothing is deleted to express doubt.",
    )
    likelihood = models.CharField(
        max_length=20,
        choices=Likelihood.choices,
        blank=True,
        help_text="Optional analytic judgement in ICD 203 terms: how likely we judge the claim to be true.",
    )
    confidence = models.CharField(
        max_length=10,
        choices=Confidence.choices,
        blank=True,
        help_text="Our confidence in that judgement (ICD 203): low, moderate or high, from the evidence's quality.",
    )
    credibility = models.PositiveSmallIntegerField(
        "information credibility",
        null=True,
        blank=True,
        choices=Credibility.choices,
        help_text="Admiralty grade of the information: 1 confirmed by other sources, 2 probably true, "
        "3 possibly true, 4 doubtful, 5 improbable, 6 truth cannot be judged.",
    )
    subjects = models.ManyToManyField(
        "Actor", related_name="claims_about", blank=True, help_text="The actors the claim is about."
    )
    topics = models.ManyToManyField("Topic", related_name="claims", blank=True)
    materiel = models.ManyToManyField(
        "Materiel", related_name="claims", blank=True, help_text="Equipment the claim concerns, counted or not."
    )
    notes = models.TextField(blank=True, help_text="Analysts' notes; shown to readers.")
    state = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT, help_text=STATE_HELP
    )
    created_at = models.DateTimeField("recorded", auto_now_add=True)
    updated_at = models.DateTimeField("revised", auto_now=True)

    made = ReportedDateAccessor()
    period_start = ReportedDateAccessor()
    period_end = ReportedDateAccessor()

    objects = ClaimQuerySet.as_manager()

    history = TrackedHistory(m2m_fields=["subjects", "topics", "materiel"])
    history_parts = ("attributions", "quantities", "citations", "links_out")

    class Meta:
        ordering = [F("made_earliest").desc(nulls_last=True), F("made_latest").desc(nulls_last=True), "slug"]
        indexes = [
            *reported_date_indexes("claim", "made", "period_start", "period_end"),
            newest_first_index("claim", "made"),
            *list_order_indexes("claim"),
        ]
        permissions = [("publish_claim", "Can publish or unpublish claims")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="claim_slug_unique"),
            models.CheckConstraint(condition=Q(certainty__in=ClaimCertainty.values), name="claim_certainty_valid"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(likelihood="") | Q(likelihood__in=ClaimLikelihood.values), name="claim_likelihood_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence="") | Q(confidence__in=ClaimConfidence.values), name="claim_confidence_valid"
            ),
            models.CheckConstraint(
                condition=Q(credibility__isnull=True) | Q(credibility__gte=1, credibility__lte=6),
                name="claim_credibility_1_to_6",
                violation_error_message="Information credibility is graded 1 to 6.",
            ),
            models.CheckConstraint(condition=Q(state__in=PublicationState.values), name="claim_state_valid"),
            models.CheckConstraint(
                condition=Q(period_start_earliest__isnull=True)
                | Q(period_end_latest__isnull=True)
                | Q(period_start_earliest__lte=F("period_end_latest")),
                name="claim_period_in_order",
                violation_error_message="The covered period must start before it ends.",
            ),
            *reported_date_rules("claim", "made"),
            *reported_date_rules("claim", "period_start"),
            *reported_date_rules("claim", "period_end"),
        ]

    def __str__(self):
        return self.proposition if len(self.proposition) <= 90 else self.proposition[:89] + "…"

    def get_absolute_url(self):
        return reverse("web:claim_detail", args=[self.slug])

    def chain_steps(self) -> list[list["Attribution"]]:
        return chain_steps(self.attributions.all())

    def clean(self):
        start, end = self.period_start_earliest, self.period_end_latest
        if start and end and start > end:
            raise ValidationError({"period_end_edtf": "The covered period must start before it ends."})


def chain_steps(links) -> list[list]:
    """A relay chain's links (or their history rows) as steps, in position order; actors
    sharing a position (co-signatories) share a step."""
    steps: dict[int, list] = {}
    for link in links:
        steps.setdefault(link.position, []).append(link)
    return [steps[position] for position in sorted(steps)]


class AttributionRole(models.TextChoices):
    ORIGINATOR = "originator", "originator"
    RELAY = "relay", "relay"
    ENDORSER = "endorser", "endorser"


class Attribution(ReportedDates, TrackedModel):
    """One link in the relay chain by which a claim reached the public.

    NIS (originator, closed-door briefing) -> Yoo Sang-bum (relay, told reporters).
    The outlet that reported it is not a link here: it is a citation.
    """

    Role = AttributionRole

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attributions")
    position = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Place in the chain, from the origin (1) towards the public. Co-originators "
        "(the signatories of a joint statement) share a position.",
    )
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="attributions")
    role = models.CharField(
        max_length=10,
        choices=Role.choices,
        help_text="Originator: first asserted it. Relay: passed it on (a lawmaker briefing reporters). "
        "Endorser: adopted it as their own (a government repeating an ally's finding).",
    )
    speaker = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who spoke for the actor, in words, when the source does not name them: "
        "'a defence ministry official', 'intelligence officials'. The actor is then the body they speak for, "
        "so the claim is listed under it.",
    )
    channel = models.CharField(
        max_length=200, blank=True, help_text="How it was passed on: 'closed-door briefing to lawmakers'."
    )
    document = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="spoken_through",
        help_text="The document the actor spoke through, when it is recorded as a source: the briefing, "
        "the report, the statement (often an unpublished one, known through the stories citing it).",
    )
    date_edtf, date_earliest, date_latest, date_as_worded, date_inferred = reported_date(
        "date", "When this link passed it on."
    )

    date = ReportedDateAccessor()

    history = TrackedHistory()

    class Meta:
        ordering = ["claim", "position"]
        verbose_name = "relay chain link"
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "position", "actor"],
                name="attribution_actor_once_per_position",
                violation_error_message="This actor is already at this position of the chain.",
            ),
            models.CheckConstraint(condition=Q(role__in=AttributionRole.values), name="attribution_role_valid"),
            models.CheckConstraint(
                condition=Q(position__gte=1),
                name="attribution_position_from_1",
                violation_error_message="Positions in the chain start at 1.",
            ),
            *reported_date_rules("attribution", "date"),
        ]
        indexes = [
            *reported_date_indexes("attribution", "date"),
            # An actor's claims by role, read from the index alone: the actor page's
            # sections and the claimant filter (an actor in 1 claim of 10 at 1M).
            models.Index(fields=["actor", "role", "claim"], name="attribution_actor_role_claim"),
        ]

    def __str__(self):
        return f"{self.position}. {self.voice} ({self.get_role_display()})"

    def get_absolute_url(self):
        return self.claim.get_absolute_url()

    @property
    def voice(self) -> str:
        """Who spoke, as readers see it: "intelligence officials (National Intelligence
        Service)", or the actor's name."""
        return f"{self.speaker} ({self.actor})" if self.speaker else str(self.actor)


class QuantityComparator(models.TextChoices):
    EXACT = "exact", "exactly"
    ABOUT = "about", "about"
    AT_LEAST = "at_least", "at least"
    MORE_THAN = "more_than", "more than"
    AT_MOST = "at_most", "at most"
    LESS_THAN = "less_than", "less than"
    BETWEEN = "between", "between"
    UNSPECIFIED = "unspecified", "an unspecified number of"
    # Orders of magnitude, each read as the range in MAGNITUDES.
    DOZENS = "dozens", "dozens of"
    HUNDREDS = "hundreds", "hundreds of"
    THOUSANDS = "thousands", "thousands of"
    TENS_OF_THOUSANDS = "tens_of_thousands", "tens of thousands of"
    HUNDREDS_OF_THOUSANDS = "hundreds_of_thousands", "hundreds of thousands of"
    MILLIONS = "millions", "millions of"


# What an order of magnitude is read as (low, high): a plural of the unit, so "hundreds"
# begins at 200, and it stops below the next order. Documented in docs/import-format.md.
MAGNITUDES = {
    QuantityComparator.DOZENS: (24, 99),
    QuantityComparator.HUNDREDS: (200, 999),
    QuantityComparator.THOUSANDS: (2_000, 9_999),
    QuantityComparator.TENS_OF_THOUSANDS: (20_000, 99_999),
    QuantityComparator.HUNDREDS_OF_THOUSANDS: (200_000, 999_999),
    QuantityComparator.MILLIONS: (2_000_000, 9_999_999),
}
# Comparators with a low and a high figure.
RANGED = (QuantityComparator.BETWEEN, *MAGNITUDES)


class QuantityKind(models.TextChoices):
    COUNT = "count", "count"
    CUMULATIVE = "cumulative", "cumulative total"
    CAPACITY = "capacity", "capacity"
    RATE = "rate", "rate"
    ESTIMATE = "estimate", "estimate"
    EQUIVALENT = "equivalent", "equivalent"


_KIND_LABELS = dict(QuantityKind.choices)
_COMPARATOR_LABELS = dict(QuantityComparator.choices)


def _plain_number(value) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe_figure(kind, comparator, low, high, unit, item) -> str:
    """Quantity.describe() from the columns alone, so that the exports need no instance."""
    what = f"{unit} of {item}" if unit else item
    measure = "" if kind == QuantityKind.COUNT else f"{_KIND_LABELS.get(kind, kind)}: "
    if comparator == QuantityComparator.UNSPECIFIED:
        return f"{measure}an unspecified number of {what}"
    if comparator in MAGNITUDES:
        return f"{measure}{_COMPARATOR_LABELS.get(comparator, comparator)} {what}"
    if comparator == QuantityComparator.BETWEEN:
        return f"{measure}between {_plain_number(low)} and {_plain_number(high)} {what}"
    prefix = "" if comparator == QuantityComparator.EXACT else f"{_COMPARATOR_LABELS.get(comparator, comparator)} "
    return f"{measure}{prefix}{_plain_number(low)} {what}" if low is not None else f"{measure}{what}"


class Quantity(ReportedDates, TrackedModel):
    """A figure as the claimant worded it: "more than a million artillery shells" is
    comparator 'more than', low 1,000,000, item 'artillery shells', never a bare number."""

    Comparator = QuantityComparator
    Kind = QuantityKind

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="quantities")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(
        max_length=12,
        choices=Kind.choices,
        default=Kind.COUNT,
        help_text="What the figure measures. Count: things counted (shipped, delivered). Cumulative total: "
        "all so far. Capacity: what could be held or made ('containers that could hold up to'), not a count. "
        "Rate: per period. Estimate: an estimate the claim itself calls one. Equivalent: a figure "
        "restated in other terms ('two months' worth of supplies').",
    )
    certainty = models.CharField(
        "figure's certainty",
        max_length=10,
        choices=ClaimCertainty.choices,
        blank=True,
        help_text="When the claimant is surer or less sure of this figure than of the claim "
        "('could contain up to'): blank means as the claim.",
    )
    as_worded = models.CharField(
        max_length=300, blank=True, help_text="The figure exactly as the source words it: 'more than a million'."
    )
    comparator = models.CharField(
        max_length=25,
        choices=Comparator.choices,
        help_text="Between needs low and high; unspecified needs neither; an order of magnitude "
        "('hundreds of thousands of') fills low and high itself; every other comparator needs low only.",
    )
    low = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    unit = models.CharField(
        max_length=100, blank=True, help_text="What is counted when it is not the item itself: 'months of supply'."
    )
    item = models.CharField(
        max_length=300, help_text="What is counted: 'containers of military equipment and munitions'."
    )
    materiel = models.ForeignKey(Materiel, on_delete=models.PROTECT, null=True, blank=True, related_name="quantities")
    as_of_edtf, as_of_earliest, as_of_latest, as_of_as_worded, as_of_inferred = reported_date(
        "as of", "The date the figure stands at, when the source gives one."
    )

    as_of = ReportedDateAccessor()

    history = TrackedHistory()

    class Meta:
        ordering = ["claim", "position", "pk"]
        verbose_name_plural = "quantities"
        constraints = [
            models.CheckConstraint(
                condition=Q(comparator__in=QuantityComparator.values), name="quantity_comparator_valid"
            ),
            models.CheckConstraint(
                condition=~Q(comparator="unspecified") | Q(low__isnull=True, high__isnull=True),
                name="quantity_unspecified_has_no_numbers",
                violation_error_message="An unspecified quantity has no numbers.",
            ),
            models.CheckConstraint(
                condition=~Q(comparator__in=RANGED) | Q(low__isnull=False, high__isnull=False, low__lte=F("high")),
                name="quantity_between_has_low_le_high",
                violation_error_message="'Between' needs a low and a high figure, low not above high.",
            ),
            models.CheckConstraint(
                condition=Q(comparator__in=[*RANGED, "unspecified"]) | Q(low__isnull=False, high__isnull=True),
                name="quantity_single_bound_has_low_only",
                violation_error_message="This comparator takes one figure, in 'low'.",
            ),
            models.CheckConstraint(condition=Q(low__isnull=True) | Q(low__gte=0), name="quantity_low_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=QuantityKind.values), name="quantity_kind_valid"),
            models.CheckConstraint(
                condition=Q(certainty="") | Q(certainty__in=ClaimCertainty.values), name="quantity_certainty_valid"
            ),
            *reported_date_rules("quantity", "as_of"),
        ]
        indexes = reported_date_indexes("quantity", "as_of")

    def __str__(self):
        return self.as_worded or self.describe()

    def get_absolute_url(self):
        return self.claim.get_absolute_url()

    def describe(self) -> str:
        """Normalised reading: 'more than 1,000,000 artillery shells'; a measure other than
        a count says so first: 'capacity: up to 5,000,000 shells'."""
        return describe_figure(self.kind, self.comparator, self.low, self.high, self.unit, self.item)

    def save(self, *args, **kwargs):
        self._fill_magnitude()
        super().save(*args, **kwargs)

    def _fill_magnitude(self):
        """An order of magnitude is stored with the range it is read as."""
        if self.comparator in MAGNITUDES:
            self.low, self.high = MAGNITUDES[self.comparator]

    def clean(self):
        self._fill_magnitude()
        if self.comparator == self.Comparator.UNSPECIFIED:
            errors = {
                f: "An unspecified quantity has no numbers." for f in ("low", "high") if getattr(self, f) is not None
            }
        elif self.comparator in RANGED:
            errors = {
                f: "'Between' needs a low and a high figure." for f in ("low", "high") if getattr(self, f) is None
            }
            if not errors and self.low > self.high:
                errors = {"high": "The high figure is below the low one."}
        else:
            errors = {}
            if self.low is None:
                errors["low"] = "This comparator needs a figure in 'low'."
            if self.high is not None:
                errors["high"] = "Only 'between' takes a high figure."
        if self.low is not None and self.low < 0:
            errors.setdefault("low", "A quantity cannot be negative.")
        if errors:
            raise ValidationError(errors)


_WHITESPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    # Curly quotes and runs of whitespace differ between copies of the same words.
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return _WHITESPACE.sub(" ", text).strip().casefold()


def quote_is_found(quote: str, text: str) -> bool | None:
    """True if the quote appears in the text, False if it does not, None when there is no
    text or no quote to check: a citation's quote_found."""
    if not quote or not text:
        return None
    return _squash(quote) in _squash(text)


def refresh_quotes_found(source) -> None:
    """Store anew whether each citation's quote is in the source's text (its text has
    changed); written with update(), as a cache, not as a revision of the citations."""
    text = _squash(source.text)
    for model in (ClaimCitation, DenialCitation):
        found = {True: [], False: [], None: []}
        for pk, quote, stored in model.objects.filter(source=source).values_list("pk", "quote", "quote_found"):
            if (now := _squash(quote) in text if quote and text else None) != stored:
                found[now].append(pk)
        for value, pks in found.items():
            if pks:
                model.objects.filter(pk__in=pks).update(quote_found=value)


def refresh_all_quotes_found(using: str = DEFAULT_DB_ALIAS, batch: int = 2000) -> None:
    """Every quoted citation's quote_found anew, for rows loaded without saves (COPY, the
    corpus): sources with a text in batches, each text squashed once for all its citations."""
    with_text = Source.objects.using(using).exclude(text="").order_by("pk").values_list("pk", "text")
    for chunk in itertools.batched(with_text.iterator(chunk_size=batch), batch):
        texts = {pk: _squash(text) for pk, text in chunk}
        for model in (ClaimCitation, DenialCitation):
            citations = model.objects.using(using).filter(source_id__in=texts).exclude(quote="")
            found = {True: [], False: []}
            for pk, source_id, quote in citations.values_list("pk", "source_id", "quote"):
                found[_squash(quote) in texts[source_id]].append(pk)
            for value, pks in found.items():
                if pks:
                    model.objects.using(using).filter(pk__in=pks).update(quote_found=value)


class CitationStance(models.TextChoices):
    REPORTS = "reports", "reports"
    CORROBORATES = "corroborates", "corroborates"
    DISPUTES = "disputes", "disputes"
    MISREPORTS = "misreports", "misreports"


MISREPORT_NEEDS_NOTE = "Say in the note what the source got wrong."


def misreport_rule(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=~Q(stance=CitationStance.MISREPORTS) | ~Q(note=""),
        name=f"{prefix}_misreport_says_what",
        violation_error_message=MISREPORT_NEEDS_NOTE,
    )


class Citation(TrackedModel):
    """Where a source says it: the exact quote, findable again (W3C TextQuoteSelector)."""

    Stance = CitationStance

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="%(class)ss")
    position = models.PositiveSmallIntegerField(default=1)
    quote = models.TextField(blank=True, help_text="The words exactly as they stand in the source, in its language.")
    quote_prefix = models.CharField(
        max_length=200, blank=True, help_text="A few words just before the quote, to find it again."
    )
    quote_suffix = models.CharField(max_length=200, blank=True, help_text="A few words just after the quote.")
    translation = models.TextField(blank=True, help_text="English translation, when the quote is in another language.")
    locator = models.CharField(max_length=100, blank=True, help_text="Where in the source: 'para. 4', '01:23:10'.")
    stance = models.CharField(
        max_length=15,
        choices=Stance.choices,
        default=Stance.REPORTS,
        help_text="Misreports: the source gets the claim wrong (an inflated figure); say what in the note.",
    )
    note = models.TextField(blank=True)
    quote_found = models.BooleanField(
        null=True,
        editable=False,
        help_text="True if the quote appears in the source's stored text, False if it no longer does (flag it), "
        "empty when there is no text or no quote to check. Kept current on save, of the citation and of its source.",
    )

    derived_fields = ("quote_found",)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def get_absolute_url(self):
        return self.source.get_absolute_url()

    def clean(self):
        if self.stance == CitationStance.MISREPORTS and not self.note.strip():
            raise ValidationError({"note": MISREPORT_NEEDS_NOTE})

    def save(self, **kwargs):
        self.quote_found = quote_is_found(self.quote, self.source.text)
        super().save(**kwargs)


class ClaimCitation(Citation):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")

    objects = ClaimCitationQuerySet.as_manager()

    history = TrackedHistory(excluded_fields=["quote_found"])

    class Meta(Citation.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(stance__in=CitationStance.values), name="claimcitation_stance_valid"),
            misreport_rule("claimcitation"),
        ]

    def __str__(self):
        return f"{self.source.title}: “{self.quote[:60]}”"


class CitationFigure(TrackedModel):
    """How one source worded one of the claim's figures: the AP's "more than a million",
    another outlet's "over 1 million", a third's "a million" (misreporting it, perhaps)."""

    citation = models.ForeignKey(ClaimCitation, on_delete=models.CASCADE, related_name="figures")
    quantity = models.ForeignKey(Quantity, on_delete=models.CASCADE, related_name="wordings")
    as_worded = models.CharField(max_length=300, help_text="The figure exactly as this source words it.")

    history = TrackedHistory()

    class Meta:
        ordering = ["citation", "quantity__position", "pk"]
        verbose_name = "figure as this source words it"
        constraints = [
            models.UniqueConstraint(
                fields=["citation", "quantity"],
                name="citationfigure_once_per_figure",
                violation_error_message="This source's wording of this figure is already recorded.",
            ),
        ]

    def __str__(self):
        return f"“{self.as_worded}”"

    def get_absolute_url(self):
        return self.quantity.get_absolute_url()

    def clean(self):
        if self.citation_id and self.quantity_id and self.citation.claim_id != self.quantity.claim_id:
            raise ValidationError({"quantity": "Choose a figure of the claim this citation supports."})


class DenialKind(models.TextChoices):
    CATEGORICAL = "categorical", "categorical denial"
    DISMISSAL = "dismissal", "dismissal ('baseless', 'rumours')"
    PARTIAL = "partial", "partial denial"
    NON_DENIAL = "non_denial", "non-denial"
    COUNTER_CLAIM = "counter_claim", "counter-claim"


class Denial(ReportedDates, Publishable, VersionedModel):
    Kind = DenialKind

    slug = models.SlugField(max_length=150)
    statement = models.TextField(help_text="One sentence: what was denied, and by whom, as reported.")
    deniers = models.ManyToManyField(Actor, related_name="denials", help_text="Who denied.")
    made_edtf, made_earliest, made_latest, made_as_worded, made_inferred = reported_date(
        "made", "When it was denied; an ongoing denial is open-ended: 'denied since last year' is 2022/.. ."
    )
    kind = models.CharField(
        max_length=15,
        choices=Kind.choices,
        help_text="Its sharpest kind. Categorical: 'we did not'. Dismissal: 'baseless', 'rumours'. Partial: "
        "denies part. Non-denial: answers without denying. Counter-claim: accuses back. Add other kinds below.",
    )
    channel = models.CharField(max_length=200, blank=True, help_text="'press conference in Pyongyang'.")
    claims = models.ManyToManyField(
        Claim,
        related_name="denials",
        blank=True,
        help_text="Every claim this denial answers: 'both governments dismissed the accusations' answers several.",
    )
    notes = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT, help_text=STATE_HELP
    )
    created_at = models.DateTimeField("recorded", auto_now_add=True)
    updated_at = models.DateTimeField("revised", auto_now=True)

    made = ReportedDateAccessor()

    objects = DenialQuerySet.as_manager()

    history = TrackedHistory(m2m_fields=["deniers", "claims"])
    history_parts = ("citations", "other_kinds")

    class Meta:
        ordering = [F("made_earliest").desc(nulls_last=True), F("made_latest").desc(nulls_last=True), "slug"]
        indexes = [
            *reported_date_indexes("denial", "made"),
            newest_first_index("denial", "made"),
            *list_order_indexes("denial", recorded=False),
        ]
        permissions = [("publish_denial", "Can publish or unpublish denials")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="denial_slug_unique"),
            models.CheckConstraint(condition=Q(kind__in=DenialKind.values), name="denial_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=PublicationState.values), name="denial_state_valid"),
            *reported_date_rules("denial", "made"),
        ]

    def __str__(self):
        return self.statement if len(self.statement) <= 90 else self.statement[:89] + "…"

    def get_absolute_url(self):
        return reverse("web:denial_detail", args=[self.slug])

    @property
    def kinds(self) -> list[str]:
        """Every kind it is, its sharpest first: ["dismissal", "counter_claim"]."""
        return [self.kind, *(other.kind for other in self.other_kinds.all() if other.kind != self.kind)]

    def get_kinds_display(self) -> str:
        labels = dict(DenialKind.choices)
        first, *others = (labels.get(kind, kind) for kind in self.kinds)
        return f"{first}; also {', '.join(others)}" if others else first


class DenialOtherKind(TrackedModel):
    """A further kind of the same act of denying: a dismissal that is also a counter-claim."""

    denial = models.ForeignKey(Denial, on_delete=models.CASCADE, related_name="other_kinds")
    kind = models.CharField(max_length=15, choices=DenialKind.choices)

    history = TrackedHistory()

    class Meta:
        ordering = ["denial", "kind"]
        verbose_name = "other kind"
        constraints = [
            models.UniqueConstraint(
                fields=["denial", "kind"],
                name="denialotherkind_once",
                violation_error_message="This kind is already given.",
            ),
            models.CheckConstraint(condition=Q(kind__in=DenialKind.values), name="denialotherkind_kind_valid"),
        ]

    def __str__(self):
        return self.get_kind_display()

    def get_absolute_url(self):
        return self.denial.get_absolute_url()

    def clean(self):
        if self.denial_id and self.kind == self.denial.kind:
            raise ValidationError({"kind": "This is already the denial's kind."})


class DenialRedirect(models.Model):
    """The address of a denial merged into another (claims.services.merge_denials): its old
    slug leads to the denial kept, wherever that moves."""

    slug = models.SlugField(max_length=150, unique=True)
    denial = models.ForeignKey(Denial, on_delete=models.CASCADE, related_name="redirects")

    def __str__(self):
        return f"{self.slug} → {self.denial.slug}"


class DenialCitation(Citation):
    denial = models.ForeignKey(Denial, on_delete=models.CASCADE, related_name="citations")

    objects = DenialCitationQuerySet.as_manager()

    history = TrackedHistory(excluded_fields=["quote_found"])

    class Meta(Citation.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(stance__in=CitationStance.values), name="denialcitation_stance_valid"),
            misreport_rule("denialcitation"),
        ]

    def __str__(self):
        return f"{self.source.title}: “{self.quote[:60]}”"


class ClaimLinkKind(models.TextChoices):
    DERIVED_FROM = "derived_from", "derived from"
    CORROBORATES = "corroborates", "corroborates"
    CONTRADICTS = "contradicts", "contradicts"
    REVISES = "revises", "revises"
    SUPERSEDES = "supersedes", "supersedes"
    SAME_AS = "same_as", "same as"


class ClaimLink(TrackedModel):
    Kind = ClaimLinkKind

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(
        max_length=15,
        choices=Kind.choices,
        help_text="Read as '<this claim> <kind> <other claim>': 'two months' worth' is derived from "
        "'more than a million shells'.",
    )
    note = models.TextField(blank=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["from_claim", "kind", "to_claim"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "kind"],
                name="claimlink_unique",
                violation_error_message="This link already exists.",
            ),
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")),
                name="claimlink_not_to_itself",
                violation_error_message="A claim cannot be linked to itself.",
            ),
            models.CheckConstraint(condition=Q(kind__in=ClaimLinkKind.values), name="claimlink_kind_valid"),
        ]

    def __str__(self):
        return f"{self.from_claim.slug} {self.get_kind_display()} {self.to_claim.slug}"

    def get_absolute_url(self):
        return self.from_claim.get_absolute_url()

    def clean(self):
        if self.from_claim_id and self.from_claim_id == self.to_claim_id:
            raise ValidationError({"to_claim": "A claim cannot be linked to itself."})


class SearchDocument(models.Model):
    """The words a search looks at for one record, gathered from several tables (its own
    text, its citations' quotes, the names and aliases of the actors involved) so a search
    reads one row per record. Derived data: rebuilt from the records (claims/search_documents.py),
    never curated, so neither history-tracked nor backed up (operations/backup.py
    rebuilds them after a restore through `derived_rebuild`)."""

    derived_rebuild = "claims.search_documents.rebuild_all_search_documents"

    # Every word, for the substring fallback where there is no full-text search (SQLite;
    # left empty on PostgreSQL, which reads the vector).
    text = models.TextField(blank=True)
    # The same words weighted A (the record's own text), B (quotes), C (actor names);
    # PostgreSQL only, GIN-indexed by migration 0011.
    vector = SearchVectorField(null=True)
    # The record's state, copied so a search reads no other table to leave drafts out.
    published = models.BooleanField(default=False)

    class Meta:
        abstract = True
        default_permissions = ()  # nobody edits them, so no group is granted anything on them

    def __str__(self):
        return f"search document of {self.pk}"


class ClaimSearchDocument(SearchDocument):
    # DB_CASCADE: the database drops a document with its record, even one rebuilt while
    # the record's citations were being deleted along with it.
    claim = models.OneToOneField(Claim, on_delete=models.DB_CASCADE, primary_key=True, related_name="search_document")


class DenialSearchDocument(SearchDocument):
    denial = models.OneToOneField(Denial, on_delete=models.DB_CASCADE, primary_key=True, related_name="search_document")


@receiver(post_save, sender=Source)
def _source_text_saved(sender, instance, created, raw=False, **kwargs):
    """The citations of a source whose stored text changed say anew whether their quote is in it."""
    if not created and not raw and "text" in instance.changed_fields():
        refresh_quotes_found(instance)
