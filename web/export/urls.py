"""Export URLs sit beside the pages they export: append sources.<format>, data.<format>
or (on a claim) cite.<format> to the page's address. The pages' own URLs are unchanged."""

from django.urls import path

from web.export import views

app_name = "export"

urlpatterns = [
    path("claims/sources.<str:fmt>", views.sources, {"kind": "list"}, name="list_sources"),
    path("claims/data.<str:fmt>", views.claims_data, {"kind": "list"}, name="list_data"),
    path("claims/<slug:slug>/sources.<str:fmt>", views.sources, {"kind": "claim"}, name="claim_sources"),
    path("claims/<slug:slug>/data.<str:fmt>", views.claims_data, {"kind": "claim"}, name="claim_data"),
    path("claims/<slug:slug>/cite.<str:fmt>", views.cite_claim, name="claim_cite"),
    path("topics/<slug:slug>/sources.<str:fmt>", views.sources, {"kind": "topic"}, name="topic_sources"),
    path("topics/<slug:slug>/data.<str:fmt>", views.claims_data, {"kind": "topic"}, name="topic_data"),
    path("actors/<slug:slug>/sources.<str:fmt>", views.sources, {"kind": "actor"}, name="actor_sources"),
    path("actors/<slug:slug>/data.<str:fmt>", views.claims_data, {"kind": "actor"}, name="actor_data"),
]
