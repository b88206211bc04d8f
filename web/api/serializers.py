"""API representations. A claim and a denial are the very records the JSON and NDJSON
exports give (web.export.data builds both); the serializers below declare their
fields so that the OpenAPI schema describes them, and tests/test_api.py checks every
response against that schema."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Actor, Topic
from sources.date_fields import precision_of
from sources.models import Source
from web.export import spec
from web.export.data import denial_record
from web.export.records import records_of
from web.export.spec import ISSUER_HELP


def _absolute(context):
    if "absolute" not in context:
        base = context["request"].build_absolute_uri("/").rstrip("/")
        context["absolute"] = lambda path: base + path
    return context["absolute"]


# --- Serializers built from the record declaration (web.export.spec) ---------------------

_SCALARS = {
    "text": serializers.CharField,
    "slug": serializers.SlugField,
    "url": serializers.URLField,
    "int": serializers.IntegerField,
    "float": serializers.FloatField,
    "bool": serializers.BooleanField,
    "date": serializers.DateField,
    "datetime": serializers.DateTimeField,
    "choice": serializers.ChoiceField,
}
_SERIALIZERS: dict[str, type] = {}


def drf_field(declared: spec.Field, **kwargs) -> serializers.Field:
    """The DRF field of a declared field; kwargs (a `source`) are passed on."""
    if declared.help:
        kwargs["help_text"] = declared.help
    if declared.kind == "record":
        return serializer_for(declared.of)(many=declared.many, **kwargs)
    if declared.null:
        kwargs["allow_null"] = True
    if declared.blank:
        kwargs["allow_blank"] = True
    if declared.kind == "list":
        return serializers.ListField(child=drf_field(declared.of), **kwargs)
    if declared.kind == "choice":
        kwargs["choices"] = declared.choices
    return _SCALARS[declared.kind](**kwargs)


def serializer_for(record: spec.Record) -> type:
    """A Serializer class declaring the record's fields, named for its OpenAPI component:
    it describes the records in the schema; web.export.records builds them."""
    if record.name not in _SERIALIZERS:
        base = serializer_for(record.extends) if record.extends else serializers.Serializer
        fields = {f.name: drf_field(f) for f in record.fields}
        _SERIALIZERS[record.name] = type(f"{record.name}Serializer", (base,), {"__module__": __name__, **fields})
    return _SERIALIZERS[record.name]


_DATE_FIELDS = {f.name.removeprefix("x"): f for f in spec.reported_date("x")}


def reported_text(**kwargs):
    return drf_field(_DATE_FIELDS[""], **kwargs)


def reported_precision():
    return drf_field(_DATE_FIELDS["_precision"])


def reported_earliest():
    return drf_field(_DATE_FIELDS["_earliest"])


def reported_latest():
    return drf_field(_DATE_FIELDS["_latest"])


def reported_as_worded():
    return drf_field(_DATE_FIELDS["_as_worded"])


def reported_inferred():
    return drf_field(_DATE_FIELDS["_inferred"])


RefSerializer = serializer_for(spec.REF)
AnsweringDenialSerializer = serializer_for(spec.ANSWERING_DENIAL)


class ClaimListSerializer(serializers.ListSerializer):
    """A page of claims: their records assembled together (web.export.records), in a
    constant number of queries."""

    def to_representation(self, data):
        claims = list(data.all() if hasattr(data, "all") else data)
        return records_of(claims, _absolute(self.context))


class ClaimSerializer(serializer_for(spec.CLAIM)):
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
