"""The synthetic corpus (claims/corpus.py, `manage.py generate_corpus`): every model
filled with valid rows, published claims that render, the same corpus for the same seed,
and no overwriting of data it did not make."""

import datetime as dt
import random

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count

from claims import corpus
from claims.models import (
    Attribution,
    Claim,
    ClaimCitation,
    ClaimSearchDocument,
    Denial,
    DenialSearchDocument,
    Topic,
    quote_is_found,
)
from sources import reported_dates
from sources.intake import signatures
from sources.models import Source, SourceSignatureBand

CLAIMS = 300


def generate(*args):
    call_command("generate_corpus", "--claims", str(CLAIMS), *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


def content_models():
    """The models of claims and sources a reader sees (not their history, nor the search
    documents derived from them, nor intake's requests)."""
    return [
        model
        for label in ("claims", "sources")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model.__name__.startswith("Historical")
        and not hasattr(model, "derived_rebuild")
        and getattr(model, "public", True)  # not staff's working rows (intake requests)
    ]


def snapshot():
    """What a corpus is, beyond its timestamps: claims, chains, denials and counts."""
    return {
        "claims": list(Claim.objects.order_by("pk").values_list("slug", "proposition", "made_edtf", "state", "status")),
        "chains": list(Attribution.objects.order_by("pk").values_list("claim__slug", "position", "actor__slug")),
        "denials": list(Denial.objects.order_by("pk").values_list("slug", "statement", "made_edtf")),
        "counts": {model._meta.label: model.objects.count() for model in content_models()},
    }


@pytest.fixture
def loaded(db):
    generate("--seed", "3")


def test_every_model_is_filled_and_every_slug_is_the_corpus_own(loaded):
    empty = [model._meta.label for model in content_models() if not model.objects.exists()]
    assert empty == []
    assert Claim.objects.count() == CLAIMS
    for model in corpus.SLUGGED_MODELS:
        assert not model.objects.exclude(slug__startswith=corpus.SLUG_PREFIX).exists()


def test_shapes_have_a_head_and_a_long_tail(loaded):
    per_actor = sorted(Attribution.objects.values("actor").annotate(n=Count("pk")).values_list("n", flat=True))
    assert per_actor[-1] > 3 * per_actor[len(per_actor) // 2]
    citations = Claim.objects.values("citations").count() / CLAIMS
    assert 2 <= citations <= 4
    assert Denial.claims.through.objects.count() > Denial.objects.count()  # denials answer several claims
    assert Source.objects.filter(outlet=None).exists()  # unpublished briefings
    forms = set(Claim.objects.values_list("made_edtf", flat=True))
    assert any(f.endswith("~") for f in forms) and any("/" in f for f in forms) and any(len(f) == 7 for f in forms)


def test_rows_pass_the_models_own_validation(loaded):
    for model in content_models():
        for row in model.objects.order_by("pk")[:15]:
            row.full_clean()
    for claim in Claim.objects.published().prefetch_related("citations")[:50]:
        assert claim.publication_problem() is None


def test_published_claims_render(client, loaded):
    for claim in Claim.objects.published().order_by("?")[:8]:
        assert client.get(claim.get_absolute_url()).status_code == 200


def test_date_bounds_are_those_a_save_computes():
    rng = random.Random(5)
    texts = {corpus.reported(rng, rng.randrange(corpus.DAYS)) for _ in range(3000)}
    assert {"~", "?", "/", "[.."} <= {mark for t in texts for mark in ("~", "?", "/", "[..") if mark in t}
    for text in sorted(texts)[::10]:
        assert corpus.date_bounds(text) == reported_dates.bounds(text), text


def test_the_same_seed_makes_the_same_corpus(db):
    generate("--seed", "7")
    first = snapshot()
    generate("--seed", "7")
    assert snapshot() == first
    generate("--seed", "8")
    assert snapshot()["claims"] != first["claims"]


def test_refuses_a_database_with_other_records_unless_forced(db):
    Topic.objects.create(name="A real story", slug="a-real-story")
    with pytest.raises(CommandError, match="did not generate"):
        generate()
    assert not Claim.objects.exists()
    generate("--force")
    assert not Topic.objects.filter(slug="a-real-story").exists()
    assert Claim.objects.count() == CLAIMS


def test_force_twice_gives_the_same_corpus_and_writes_no_history(db):
    generate("--force")
    first = snapshot()
    generate("--force")
    assert snapshot() == first
    assert not Claim.history.exists()
    assert not Source.history.exists()


def test_ids_continue_after_the_corpus(db):
    generate()
    topic = Topic.objects.create(name="Added later", slug="added-later")
    assert topic.pk > max(Topic.objects.exclude(pk=topic.pk).values_list("pk", flat=True))
    assert Claim.objects.filter(made_earliest__lt=dt.date(2016, 1, 1)).exists()


def test_derived_data_is_rebuilt_as_saves_would_have_built_it(client, loaded):
    assert ClaimSearchDocument.objects.count() == Claim.objects.count()
    assert DenialSearchDocument.objects.count() == Denial.objects.count()
    for citation in ClaimCitation.objects.select_related("source").order_by("pk")[:200]:
        assert citation.quote_found == quote_is_found(citation.quote, citation.source.text), citation.pk
    claim = Claim.objects.published().order_by("pk").first()
    rare = max(claim.proposition.split(), key=len).strip(".,;:")

    assert claim.slug in client.get("/search/", {"q": rare}).content.decode()
    # intake's copy index: every text's bands, as a save writes them
    with_text = Source.objects.exclude(text="").order_by("pk")
    assert SourceSignatureBand.objects.count() == with_text.count() * signatures.BANDS > 0
    source = with_text.first()
    assert sorted(source.signature_bands.values_list("band", "hash")) == signatures.bands(
        signatures.minhash(source.text)
    )
