"""API representations. A claim and a denial are the very records the JSON and NDJSON
exports give (web.export.data builds both); the serializers below declare their
fields so that the OpenAPI schema describes them, and tests/test_api.py checks every
response against that schema."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import (
    Actor,
    AttributionRole,
    CitationStance,
    ClaimCertainty,
    ClaimConfidence,
    ClaimLikelihood,
    ClaimLinkKind,
    ClaimStatus,
    Credibility,
    DenialKind,
    QuantityComparator,
    QuantityKind,
    Topic,
)
from sources.date_fields import EDTF_HELP, precision_of
from sources.models import Source, SourceKind
from web.export.data import denial_record
from web.export.records import records_of

PRECISIONS = ["day", "month", "year"]

ISSUER_HELP = (
    "The body that issued an unpublished document (a closed-door briefing, a report to lawmakers): "
    "'National Intelligence Service'; blank for a published one."
)


def kinds_field():
    return serializers.ListField(
        child=serializers.ChoiceField(choices=DenialKind.choices),
        help_text="Every kind the denial is, its sharpest (`kind`) first: a dismissal that is also a counter-claim.",
    )


def _absolute(context):
    if "absolute" not in context:
        base = context["request"].build_absolute_uri("/").rstrip("/")
        context["absolute"] = lambda path: base + path
    return context["absolute"]


# The six fields of a reported date X, as web.export.data gives them: X, X_precision,
# X_earliest, X_latest, X_as_worded, X_inferred.


def reported_text(**kwargs):
    return serializers.CharField(
        allow_null=True,
        help_text=f"The date as reported, in {EDTF_HELP} A plain date reads as ISO 8601. Null when undated.",
        **kwargs,
    )


def reported_precision():
    return serializers.ChoiceField(
        choices=PRECISIONS, allow_null=True, help_text="The precision of a plain date; null for any other."
    )


def reported_earliest():
    return serializers.DateField(
        allow_null=True, help_text="The first day the date allows; null when its start is open or unknown."
    )


def reported_latest():
    return serializers.DateField(
        allow_null=True, help_text="The last day the date allows; null when its end is open or unknown."
    )


def reported_as_worded():
    return serializers.CharField(allow_blank=True, help_text="The source's own words for the date: 'early August'.")


def reported_inferred():
    return serializers.BooleanField(
        help_text="True when an analyst worked the date out from relative wording ('last Friday')."
    )


class RefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class RelayLinkSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="Place in the chain, from the origin (1) towards the public.")
    actor = RefSerializer()
    speaker = serializers.CharField(
        allow_blank=True, help_text="Who spoke for the actor, in words, when unnamed: 'a defence ministry official'."
    )
    role = serializers.ChoiceField(choices=AttributionRole.choices)
    channel = serializers.CharField(allow_blank=True)
    date = reported_text()
    date_precision = reported_precision()
    date_earliest = reported_earliest()
    date_latest = reported_latest()
    date_as_worded = reported_as_worded()
    date_inferred = reported_inferred()
    document = serializers.SlugField(
        allow_null=True,
        help_text="Slug of the source the actor spoke through (a briefing, a report: often an unpublished "
        "document, known through the sources citing it); null when none is recorded.",
    )


class QuantitySerializer(serializers.Serializer):
    reading = serializers.CharField(help_text="Normalised reading: 'more than 1,000,000 artillery shells'.")
    as_worded = serializers.CharField(allow_blank=True, help_text="The figure as the source words it.")
    comparator = serializers.ChoiceField(choices=QuantityComparator.choices)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    item = serializers.CharField()
    materiel = serializers.SlugField(allow_null=True)
    as_of = reported_text()
    as_of_precision = reported_precision()
    as_of_earliest = reported_earliest()
    as_of_latest = reported_latest()
    as_of_as_worded = reported_as_worded()
    as_of_inferred = reported_inferred()
    kind = serializers.ChoiceField(
        choices=QuantityKind.choices,
        help_text="What the figure measures: count, cumulative, capacity, rate, estimate, equivalent.",
    )
    certainty = serializers.ChoiceField(
        choices=ClaimCertainty.choices,
        allow_null=True,
        help_text="The claimant's certainty of this figure when it differs from the claim's; null: as the claim.",
    )


class CitedSourceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    outlet = serializers.CharField(
        allow_null=True, help_text="The outlet that published it; null for an unpublished document."
    )
    issuer = serializers.CharField(allow_blank=True, help_text=ISSUER_HELP)
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    url = serializers.CharField(allow_blank=True)
    archive_url = serializers.CharField(allow_blank=True)
    published = reported_text()
    published_precision = reported_precision()
    published_earliest = reported_earliest()
    published_latest = reported_latest()
    published_as_worded = reported_as_worded()
    published_inferred = reported_inferred()
    retrieved_at = serializers.DateTimeField(allow_null=True, help_text="When an analyst last read it.")
    record_url = serializers.URLField(help_text="The source's page in the knowledge base.")


class CitationSerializer(serializers.Serializer):
    source = CitedSourceSerializer()
    quote = serializers.CharField(allow_blank=True, help_text="The words exactly as they stand in the source.")
    quote_prefix = serializers.CharField(allow_blank=True)
    quote_suffix = serializers.CharField(allow_blank=True)
    translation = serializers.CharField(allow_blank=True)
    locator = serializers.CharField(allow_blank=True)
    stance = serializers.ChoiceField(choices=CitationStance.choices)
    note = serializers.CharField(allow_blank=True)
    quote_found = serializers.BooleanField(
        allow_null=True, help_text="False: the quote no longer appears in the source's stored text."
    )


class CitationFigureSerializer(serializers.Serializer):
    figure = serializers.IntegerField(help_text="The figure's position (from 1) in the claim's quantities.")
    as_worded = serializers.CharField(help_text="The figure exactly as this source words it.")


class ClaimCitationSerializer(CitationSerializer):
    figures = CitationFigureSerializer(many=True, help_text="The claim's figures as this source worded them.")


class AnsweringDenialSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    url = serializers.URLField()
    statement = serializers.CharField()
    kind = serializers.ChoiceField(choices=DenialKind.choices, help_text="Its sharpest kind.")
    kinds = kinds_field()
    made = reported_text()
    made_precision = reported_precision()
    made_earliest = reported_earliest()
    made_latest = reported_latest()
    made_as_worded = reported_as_worded()
    made_inferred = reported_inferred()
    channel = serializers.CharField(allow_blank=True)
    deniers = RefSerializer(many=True)
    citations = CitationSerializer(many=True)


class ClaimLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ClaimLinkKind.choices)
    direction = serializers.ChoiceField(
        choices=["out", "in"], help_text="out: this claim <kind> the other; in: the other <kind> this claim."
    )
    claim = serializers.SlugField()


class ClaimListSerializer(serializers.ListSerializer):
    """A page of claims: their records assembled together (web.export.records), in a
    constant number of queries."""

    def to_representation(self, data):
        claims = list(data.all() if hasattr(data, "all") else data)
        return records_of(claims, _absolute(self.context))


class ClaimSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    url = serializers.URLField(help_text="The claim's permalink.")
    proposition = serializers.CharField()
    made = reported_text()
    made_precision = reported_precision()
    made_earliest = reported_earliest()
    made_latest = reported_latest()
    made_as_worded = reported_as_worded()
    made_inferred = reported_inferred()
    period_start = reported_text()
    period_start_precision = reported_precision()
    period_start_earliest = reported_earliest()
    period_start_latest = reported_latest()
    period_start_as_worded = reported_as_worded()
    period_start_inferred = reported_inferred()
    period_end = reported_text()
    period_end_precision = reported_precision()
    period_end_earliest = reported_earliest()
    period_end_latest = reported_latest()
    period_end_as_worded = reported_as_worded()
    period_end_inferred = reported_inferred()
    certainty = serializers.ChoiceField(choices=ClaimCertainty.choices, help_text="The claimant's own certainty.")
    hedge = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ClaimStatus.choices, help_text="Our assessment of where it stands.")
    likelihood = serializers.ChoiceField(choices=ClaimLikelihood.choices, allow_null=True)
    confidence = serializers.ChoiceField(choices=ClaimConfidence.choices, allow_null=True)
    credibility = serializers.ChoiceField(choices=Credibility.choices, allow_null=True)
    topics = RefSerializer(many=True)
    subjects = RefSerializer(many=True)
    materiel = RefSerializer(many=True)
    relay_chain = RelayLinkSerializer(many=True)
    quantities = QuantitySerializer(many=True)
    citations = ClaimCitationSerializer(many=True)
    denials = AnsweringDenialSerializer(many=True, help_text="Published denials that answer the claim.")
    links = ClaimLinkSerializer(many=True)
    notes = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    recorded = serializers.DateTimeField()
    revised = serializers.DateTimeField()

    class Meta:
        list_serializer_class = ClaimListSerializer

    def to_representation(self, instance):
        return records_of([instance], _absolute(self.context))[0]


class DenialSerializer(AnsweringDenialSerializer):
    """A denial on its own: as it answers a claim, with the claims it answers and its record."""

    claims = serializers.ListField(child=serializers.SlugField(), help_text="Slugs of the published claims it answers.")
    notes = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    recorded = serializers.DateTimeField()
    revised = serializers.DateTimeField()

    def to_representation(self, instance):
        return denial_record(instance, _absolute(self.context))


@extend_schema_field(OpenApiTypes.URI)
class PageURLField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True, help_text="The record's page.")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return _absolute(self.context)(value.get_absolute_url())


class AliasSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField(allow_blank=True, help_text="BCP 47 tag when not English: ko, ru.")


class ActorSerializer(serializers.ModelSerializer):
    url = PageURLField()
    parent = serializers.SlugField(
        source="parent.slug", allow_null=True, read_only=True, help_text="The body it belongs to."
    )
    aliases = AliasSerializer(many=True, read_only=True)

    class Meta:
        model = Actor
        fields = [
            "slug",
            "url",
            "name",
            "kind",
            "country",
            "parent",
            "aliases",
            "description",
            "track_record",
            "wikidata_id",
        ]


class TopicSerializer(serializers.ModelSerializer):
    url = PageURLField()

    class Meta:
        model = Topic
        fields = ["slug", "url", "name", "description"]


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,  # inline: OpenAPI 3.0 ignores "nullable" beside a $ref
        "properties": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}, "name": {"type": "string"}},
        "required": ["slug", "name"],
        "description": "The outlet that published it; null for an unpublished document.",
    }
)
class OutletField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.update(read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, outlet):
        return {"slug": outlet.slug, "name": outlet.name}


class DerivationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    derived_from = serializers.SlugField(source="derived_from.slug", help_text="The source it derives from.")
    note = serializers.CharField(allow_blank=True)


class SourceSerializer(serializers.ModelSerializer):
    url = serializers.CharField(help_text="Where the document is published; blank when unknown.")
    archive_url = serializers.CharField(help_text="A snapshot, e.g. on the Wayback Machine; blank when none.")
    record_url = PageURLField()
    outlet = OutletField()
    issuer = serializers.CharField(help_text=ISSUER_HELP)
    authors = serializers.ListField(source="author_list", child=serializers.CharField())
    published = reported_text(source="published.edtf")
    published_precision = serializers.SerializerMethodField()
    published_earliest = reported_earliest()
    published_latest = reported_latest()
    published_as_worded = reported_as_worded()
    published_inferred = reported_inferred()
    reliability = serializers.CharField(help_text="Admiralty grade A-F, the document's own or its outlet's.")
    derived_from = DerivationSerializer(source="derivations", many=True)

    class Meta:
        model = Source
        fields = [
            "slug",
            "record_url",
            "title",
            "outlet",
            "issuer",
            "kind",
            "url",
            "archive_url",
            "authors",
            "language",
            "published",
            "published_precision",
            "published_earliest",
            "published_latest",
            "published_as_worded",
            "published_inferred",
            "retrieved_at",
            "reliability",
            "text_sha256",
            "derived_from",
            "notes",
        ]

    @extend_schema_field(reported_precision())
    def get_published_precision(self, source) -> str | None:
        return precision_of(source.published_edtf) or None  # null, as in the exports, when not plain
