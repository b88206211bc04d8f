"""Unnamed officials: a relay-chain step may name its speaker in words ("intelligence
officials") while its actor is the body they speak for; the claim reads well and is
listed under the body. The seed's AP story: "a closed-door briefing Wednesday with
intelligence officials"."""

import csv
import io
import json

import pytest
from django.urls import reverse

from claims.importer import ImportFailed, import_data
from claims.models import Actor, Attribution, Claim
from tests.factories import make_actor, make_attribution, make_claim

MILLION = "nis-million-artillery-shells-since-august"
NIS = "national-intelligence-service"


def body(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def test_a_step_reads_as_its_speaker_and_the_body():
    body = Actor(name="Ministry of National Defense", kind="government_body")
    step = Attribution(position=1, role="originator", actor=body, speaker="a defence ministry official")
    assert step.voice == "a defence ministry official (Ministry of National Defense)"
    assert str(step) == "1. a defence ministry official (Ministry of National Defense) (originator)"
    step.speaker = ""
    assert step.voice == "Ministry of National Defense"


@pytest.mark.django_db
def test_claim_page_names_the_speaker_and_links_the_body(client, demo):
    page = client.get(reverse("web:claim_detail", args=[MILLION])).content.decode()
    nis = reverse("web:actor_detail", args=[NIS])
    assert f'intelligence officials (<a href="{nis}">National Intelligence Service</a>)' in page


@pytest.mark.django_db
def test_a_claim_spoken_by_an_unnamed_official_is_listed_under_the_body(client, demo):
    response = client.get(reverse("web:actor_detail", args=[NIS]))
    made = {claim.slug for claim in response.context["made"].items}
    assert MILLION in made


@pytest.mark.django_db
def test_exports_and_api_carry_the_speaker(client, demo):
    [record] = json.loads(body(client.get(f"/claims/{MILLION}/data.json")))
    assert [(s["actor"]["slug"], s["speaker"]) for s in record["relay_chain"]] == [
        (NIS, "intelligence officials"),
        ("yoo-sang-bum", ""),
    ]
    [row] = csv.DictReader(io.StringIO(body(client.get(f"/claims/{MILLION}/data.csv"))))
    assert (
        "National Intelligence Service (originator; closed-door briefing to lawmakers; intelligence officials;"
        in (row["relay_chain"])
    )
    api = client.get(f"/api/claims/{MILLION}/").json()
    assert api["relay_chain"][0]["speaker"] == "intelligence officials"


@pytest.mark.django_db
def test_importer_reads_the_speaker_and_updates_it_in_place():
    data = {
        "actors": [{"slug": "mnd", "name": "Ministry of National Defense", "kind": "government_body"}],
        "claims": [
            {
                "slug": "c",
                "proposition": "A claim.",
                "certainty": "probable",
                "chain": [{"actor": "mnd", "role": "originator", "speaker": "a defence ministry official"}],
            }
        ],
    }
    import_data(data)
    step = Attribution.objects.get(claim__slug="c")
    assert step.speaker == "a defence ministry official"

    data["claims"][0]["chain"][0]["speaker"] = "two defence ministry officials"
    import_data(data)
    assert Attribution.objects.get(claim__slug="c").pk == step.pk
    assert Attribution.objects.get(pk=step.pk).speaker == "two defence ministry officials"

    data["claims"][0]["chain"][0]["speaker"] = ["not", "text"]
    with pytest.raises(ImportFailed, match=r"chain\[0\]\.speaker"):
        import_data(data)


@pytest.mark.django_db
def test_speaker_is_kept_in_the_history_of_the_chain():
    claim = make_claim()
    step = make_attribution(claim=claim, actor=make_actor(name="Ministry of National Defense"))
    step.speaker = "a defence ministry official"
    step.save()
    assert step.history.latest().speaker == "a defence ministry official"
    assert Claim.objects.get(pk=claim.pk).attributions.get().voice.startswith("a defence ministry official (")
