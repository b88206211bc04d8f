from django.urls import path

from claims import history_views, views
from claims.feeds import ActorFeed, ClaimsFeed, TopicFeed

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("claims/<slug:slug>/changes/", history_views.claim_changelog, name="claim_changelog"),
    path("claims/<slug:slug>/v/<int:version>/", history_views.claim_revision, name="claim_revision"),
    path("denials/<slug:slug>/", views.denial_detail, name="denial_detail"),
    path("actors/", views.actor_list, name="actor_list"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("materiel/", views.materiel_list, name="materiel_list"),
    path("materiel/<slug:slug>/", views.materiel_detail, name="materiel_detail"),
    path("search/", views.search, name="search"),
    path("feed.atom", ClaimsFeed(), name="feed"),
    path("topics/<slug:slug>/feed.atom", TopicFeed(), name="topic_feed"),
    path("actors/<slug:slug>/feed.atom", ActorFeed(), name="actor_feed"),
]
