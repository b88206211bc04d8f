from django.urls import include, path
from rest_framework.routers import DefaultRouter

from web.api import views

app_name = "api"

router = DefaultRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("denials", views.DenialViewSet, basename="denial")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("", include(router.urls)),
]
