"""Inline formsets refuse crafted management forms and ids, and write nothing.

A browser posts an inline's rows with a management form (TOTAL_FORMS, INITIAL_FORMS)
and, for each stored row, its id. Django trusts both: INITIAL_FORMS=-1 turns every
stored row into a new one (each citation saved again), an id of another record's part
is a valid choice (the id field looks in the whole table) that saves nothing but makes
the formset "changed" (the record's version bumped, a history row written), and a huge
TOTAL_FORMS builds up to 2,000 forms. Every inline of the admin refuses all of these
with an error on the page, before anything is written: no row, no version, no history.
"""

import pytest
from django.contrib import admin
from django.forms.models import _get_foreign_key

from claims.models import ActorAlias, Claim
from history.records import history_model, is_versioned
from operations.formsets import INLINE_MAX_NUM, TAMPERED, GuardedInlineFormSet
from tests.factories import (
    make_actor,
    make_attribution,
    make_citation_figure,
    make_claim,
    make_claim_citation,
    make_claim_link,
    make_denial,
    make_denial_citation,
    make_denial_other_kind,
    make_derivation,
    make_quantity,
    make_source,
)
from tests.test_admin import admin_url, change_page_data, form_errors, get_change_page

pytestmark = pytest.mark.django_db

# Every inline of the admin: (record's model, inline prefix) -> (make a record, add its i-th part).
CASES = {
    "claim-attributions": (make_claim, "attributions", lambda c, i: make_attribution(claim=c, position=i)),
    "claim-quantities": (make_claim, "quantities", lambda c, i: make_quantity(claim=c, position=i)),
    "claim-citations": (make_claim, "citations", lambda c, i: make_claim_citation(claim=c, position=i)),
    "claim-links_out": (make_claim, "links_out", lambda c, i: make_claim_link(from_claim=c)),
    "denial-citations": (make_denial, "citations", lambda d, i: make_denial_citation(denial=d, position=i)),
    "actor-aliases": (make_actor, "aliases", lambda a, i: ActorAlias.objects.create(actor=a, name=f"Alias {i}")),
    "source-derivations": (make_source, "derivations", lambda s, i: make_derivation(source=s)),
    "denial-other_kinds": (
        make_denial,
        "other_kinds",
        lambda d, i: make_denial_other_kind(denial=d, kind=["partial", "counter_claim", "non_denial"][i - 1]),
    ),
    "claimcitation-figures": (
        make_claim_citation,
        "figures",
        lambda c, i: make_citation_figure(citation=c, quantity=make_quantity(claim=c.claim, position=i)),
    ),
}
PARTS = 2


def admin_inlines():
    for model, model_admin in admin.site._registry.items():
        for inline in model_admin.inlines:
            yield model, model_admin, inline


def prefix_of(model, inline) -> str:
    """The inline formset's prefix: the related name of its foreign key."""
    return _get_foreign_key(model, inline.model, fk_name=inline.fk_name).remote_field.get_accessor_name()


def test_every_admin_inline_is_covered_here():
    inlines = {f"{model._meta.model_name}-{prefix_of(model, inline)}" for model, _admin, inline in admin_inlines()}

    assert inlines == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_every_inline_formset_is_guarded_and_bounded(analyst_client, case):
    make, prefix, _add = CASES[case]
    record = make()

    response = get_change_page(analyst_client, record)

    [formset] = [i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix]
    assert isinstance(formset, GuardedInlineFormSet)
    assert 1 <= formset.max_num <= INLINE_MAX_NUM and formset.absolute_max == formset.max_num


def snapshot(record, prefix):
    model, parts = type(record), getattr(record, prefix).model
    versioned = is_versioned(model)
    return {
        "parts": parts._base_manager.count(),
        "own parts": getattr(record, prefix).count(),
        "part history": history_model(parts).objects.count(),
        "record history": history_model(model).objects.filter(id=record.pk).count(),
        "version": model._base_manager.values_list("version", flat=True).get(pk=record.pk) if versioned else None,
    }


def tamper_negative_initial(data, prefix, ctx):
    data[f"{prefix}-INITIAL_FORMS"] = "-1"


def tamper_total_below_initial(data, prefix, ctx):
    data[f"{prefix}-TOTAL_FORMS"] = "1"


def tamper_initial_above_parts(data, prefix, ctx):
    data[f"{prefix}-INITIAL_FORMS"] = str(PARTS + 1)


def tamper_too_many_forms(data, prefix, ctx):
    data[f"{prefix}-TOTAL_FORMS"] = str(ctx["max_num"] + 1)


def tamper_huge_total(data, prefix, ctx):
    data[f"{prefix}-TOTAL_FORMS"] = "99999"


def tamper_foreign_id(data, prefix, ctx):
    data[f"{prefix}-0-id"] = str(ctx["foreign"].pk)


def tamper_duplicate_id(data, prefix, ctx):
    data[f"{prefix}-1-id"] = data[f"{prefix}-0-id"]


def _copy_row(data, prefix, source, target):
    for key, value in list(data.items()):
        if key.startswith(f"{prefix}-{source}-"):
            data[key.replace(f"{prefix}-{source}-", f"{prefix}-{target}-", 1)] = value


def tamper_id_in_an_added_row(data, prefix, ctx):
    """A stored row posted again as an added row, keeping its id."""
    _copy_row(data, prefix, 0, PARTS)
    data[f"{prefix}-TOTAL_FORMS"] = str(PARTS + 1)


def tamper_stored_rows_posted_as_added(data, prefix, ctx):
    data[f"{prefix}-INITIAL_FORMS"] = "0"


TAMPERINGS = [
    tamper_negative_initial,
    tamper_total_below_initial,
    tamper_initial_above_parts,
    tamper_too_many_forms,
    tamper_huge_total,
    tamper_foreign_id,
    tamper_duplicate_id,
    tamper_id_in_an_added_row,
    tamper_stored_rows_posted_as_added,
]


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__.removeprefix("tamper_"))
@pytest.mark.parametrize("case", CASES)
def test_a_crafted_inline_post_is_refused_and_writes_nothing(analyst_client, case, tamper):
    make, prefix, add = CASES[case]
    record, other = make(), make()
    for i in range(1, PARTS + 1):
        add(record, i)
    foreign = add(other, 1)
    response = get_change_page(analyst_client, record)
    data = change_page_data(response)
    [formset] = [i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix]
    assert data[f"{prefix}-INITIAL_FORMS"] == str(PARTS)
    tamper(data, prefix, {"foreign": foreign, "max_num": formset.max_num})
    before = snapshot(record, prefix)

    response = analyst_client.post(admin_url(type(record), "change", record.pk), data)

    assert response.status_code == 200, f"saved: {response.status_code}"
    [posted] = [i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == prefix]
    assert len(posted.forms) <= formset.max_num
    assert posted.non_form_errors(), form_errors(response)
    assert snapshot(record, prefix) == before


@pytest.mark.parametrize("case", CASES)
def test_the_untampered_page_still_saves(analyst_client, case):
    make, prefix, add = CASES[case]
    record = make()
    for i in range(1, PARTS + 1):
        add(record, i)
    data = change_page_data(get_change_page(analyst_client, record))
    data[f"{prefix}-1-DELETE"] = "on"

    response = analyst_client.post(admin_url(type(record), "change", record.pk), data)

    assert response.status_code == 302, form_errors(response)
    assert getattr(record, prefix).count() == PARTS - 1


def test_a_foreign_id_on_the_add_page_creates_nothing(analyst_client):
    other = make_claim()
    foreign = make_claim_citation(claim=other)
    data = change_page_data(analyst_client.get(admin_url(Claim, "add")))
    for many in ["subjects", "topics", "materiel"]:  # none chosen: a browser sends nothing
        data.pop(many)
    data |= {
        "proposition": "A new claim.",
        "slug": "a-new-claim",
        "state": "draft",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "1",
        "citations-0-id": str(foreign.pk),
        "citations-0-source": str(foreign.source_id),
        "citations-0-quote": "a quote",
        "citations-0-stance": foreign.stance,
    }
    claims = Claim.objects.count()

    response = analyst_client.post(admin_url(Claim, "add"), data)

    assert response.status_code == 200
    assert form_errors(response) == [TAMPERED.format(problem="1 stored rows posted, 0 stored")]
    assert Claim.objects.count() == claims
    foreign.refresh_from_db()
    assert foreign.claim_id == other.pk
