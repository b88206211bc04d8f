"""The public site's pages. Exports (web/export/urls.py) and the API (web/api/urls.py)
keep namespaces of their own; config/urls.py mounts all three."""

from django.urls import path

from web import autocomplete, changelog, figure_history_views, views
from web.feeds import ActorFeed, ClaimsFeed, TopicFeed

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("claims/<slug:slug>/changes/", changelog.claim_changelog, name="claim_changelog"),
    path("claims/<slug:slug>/v/<int:version>/", changelog.claim_revision, name="claim_revision"),
    path("denials/", views.denial_list, name="denial_list"),
    path("autocomplete/<slug:kind>/", autocomplete.autocomplete, name="autocomplete"),
    path("denials/<slug:slug>/", views.denial_detail, name="denial_detail"),
    path("actors/", views.actor_list, name="actor_list"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("materiel/", views.materiel_list, name="materiel_list"),
    path("materiel/<slug:slug>/", views.materiel_detail, name="materiel_detail"),
    path(
        "topics/<slug:slug>/figures.csv",
        figure_history_views.figure_history_csv,
        {"kind": "topics"},
        name="topic_figures_csv",
    ),
    path(
        "materiel/<slug:slug>/figures.csv",
        figure_history_views.figure_history_csv,
        {"kind": "materiel"},
        name="materiel_figures_csv",
    ),
    path("search/", views.search, name="search"),
    path("feed.atom", ClaimsFeed(), name="feed"),
    path("topics/<slug:slug>/feed.atom", TopicFeed(), name="topic_feed"),
    path("actors/<slug:slug>/feed.atom", ActorFeed(), name="actor_feed"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("outlets/", views.outlet_list, name="outlet_list"),
    path("outlets/<slug:slug>/", views.outlet_detail, name="outlet_detail"),
]
