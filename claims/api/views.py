"""Read-only endpoints. Claims are filtered by the browse pages' own ClaimFilter, so
/api/claims/?topic=x&status=reported means what /claims/?topic=x&status=reported
does; only published claims and denials are served."""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from claims.api.pagination import ClaimKeysetPagination, KeysetPagination
from claims.api.serializers import (
    ActorSerializer,
    ClaimSerializer,
    DenialSerializer,
    SourceSerializer,
    TopicSerializer,
)
from claims.filters import ClaimFilter
from claims.models import Actor, Claim, Denial, Topic
from sources.models import Derivation, Source


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Published claims with their figures, relay chain, citations, denials and links."""

    queryset = Claim.objects.published().for_detail()
    serializer_class = ClaimSerializer
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter
    pagination_class = ClaimKeysetPagination


class DenialViewSet(viewsets.ReadOnlyModelViewSet):
    """Published denials, with the published claims they answer."""

    queryset = Denial.objects.published().for_detail()
    serializer_class = DenialSerializer
    lookup_field = "slug"
    pagination_class = KeysetPagination


class ActorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Actor.objects.select_related("parent").prefetch_related("aliases")
    serializer_class = ActorSerializer
    lookup_field = "slug"
    pagination_class = KeysetPagination


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    lookup_field = "slug"
    pagination_class = KeysetPagination


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Documents the knowledge base cites (without their stored text)."""

    queryset = (
        Source.objects.select_related("outlet")
        .defer("text")
        .prefetch_related(
            Prefetch(
                "derivations", queryset=Derivation.objects.select_related("derived_from").defer("derived_from__text")
            )
        )
    )
    serializer_class = SourceSerializer
    lookup_field = "slug"
    pagination_class = KeysetPagination
