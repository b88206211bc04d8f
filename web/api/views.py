"""Read-only endpoints. Claims are filtered by the browse pages' own ClaimFilter, so
/api/claims/?topic=x&status=reported means what /claims/?topic=x&status=reported
does; only published claims and denials are served."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.views import SpectacularAPIView
from rest_framework import viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from claims.models import Actor, Claim, Denial, Topic
from sources.models import Source
from web.api.pagination import SLUG_PATTERN, ClaimKeysetPagination, KeysetPagination
from web.api.schema import ApiSchema
from web.api.serializers import (
    ActorSerializer,
    ClaimSerializer,
    DenialSerializer,
    SourceSerializer,
    TopicSerializer,
)
from web.filters import ClaimFilter


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A list and a detail route by slug, with their errors in the schema (web.api.schema)."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN  # nothing else is a slug: 404 before any query
    schema = ApiSchema()


class ClaimViewSet(ReadOnlyViewSet):
    """Published claims with their figures, relay chain, citations, denials and links."""

    queryset = Claim.objects.published()  # the records' parts are read set-wise (web.export.records)
    serializer_class = ClaimSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter
    pagination_class = ClaimKeysetPagination


class DenialViewSet(ReadOnlyViewSet):
    """Published denials, with the published claims they answer."""

    queryset = Denial.objects.published().for_detail()
    serializer_class = DenialSerializer
    pagination_class = KeysetPagination


class ActorViewSet(ReadOnlyViewSet):
    queryset = Actor.objects.select_related("parent").prefetch_related("aliases")
    serializer_class = ActorSerializer
    pagination_class = KeysetPagination


class TopicViewSet(ReadOnlyViewSet):
    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    pagination_class = KeysetPagination


class SourceViewSet(ReadOnlyViewSet):
    """Documents the knowledge base cites (without their stored text)."""

    queryset = Source.objects.for_bibliography()
    serializer_class = SourceSerializer
    pagination_class = KeysetPagination


class SchemaView(SpectacularAPIView):
    """The schema, in YAML or JSON (?format=json); its errors (?format=bogus) in JSON,
    like every error under /api/, not in YAML."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response
