"""Small builders for test data: each makes a valid row with sensible defaults,
and any field can be overridden. Unique fields get a counter suffix."""

import itertools

from django.contrib.auth.models import Group

from claims.models import (
    Actor,
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    ClaimLink,
    Denial,
    DenialCitation,
    DenialOtherKind,
    Materiel,
    PublicationState,
    Quantity,
    Topic,
)
from sources.models import Derivation, Outlet, Source

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_outlet(**fields) -> Outlet:
    n = _n()
    fields = {
        "name": f"Outlet {n}",
        "slug": f"outlet-{n}",
        "kind": "newspaper",
        "domain": f"outlet{n}.example",
        **fields,
    }
    return Outlet.objects.create(**fields)


def make_source(**fields) -> Source:
    n = _n()
    if "outlet" not in fields:
        fields["outlet"] = make_outlet()
    fields = {
        "title": f"Source {n}",
        "slug": f"source-{n}",
        "kind": "article",
        "url": f"https://example.org/story-{n}",
        "published": "2023-11-01",
        **fields,
    }
    return Source.objects.create(**fields)


def make_derivation(**fields) -> Derivation:
    if "source" not in fields:
        fields["source"] = make_source()
    if "derived_from" not in fields:
        fields["derived_from"] = make_source()
    fields.setdefault("kind", "republishes")
    return Derivation.objects.create(**fields)


def make_actor(**fields) -> Actor:
    n = _n()
    return Actor.objects.create(**{"name": f"Actor {n}", "slug": f"actor-{n}", "kind": "agency", **fields})


def make_topic(**fields) -> Topic:
    n = _n()
    return Topic.objects.create(**{"name": f"Topic {n}", "slug": f"topic-{n}", **fields})


def make_materiel(**fields) -> Materiel:
    n = _n()
    return Materiel.objects.create(
        **{"name": f"Materiel {n}", "slug": f"materiel-{n}", "category": "artillery_ammunition", **fields}
    )


def make_claim(**fields) -> Claim:
    n = _n()
    fields = {
        "slug": f"claim-{n}",
        "proposition": f"Claim number {n} was made.",
        "made": "2023-11-01",
        "state": PublicationState.PUBLISHED,
        **fields,
    }
    return Claim.objects.create(**fields)


def make_attribution(**fields) -> Attribution:
    if "claim" not in fields:
        fields["claim"] = make_claim()
    if "actor" not in fields:
        fields["actor"] = make_actor()
    fields.setdefault("role", "originator")
    fields.setdefault("position", 1)
    return Attribution.objects.create(**fields)


def make_quantity(**fields) -> Quantity:
    if "claim" not in fields:
        fields["claim"] = make_claim()
    fields = {"comparator": "more_than", "low": 1_000_000, "item": "artillery shells", **fields}
    return Quantity.objects.create(**fields)


def make_claim_citation(**fields) -> ClaimCitation:
    if "claim" not in fields:
        fields["claim"] = make_claim()
    if "source" not in fields:
        fields["source"] = make_source()
    fields.setdefault("quote", "more than a million artillery shells")
    return ClaimCitation.objects.create(**fields)


def make_denial(*, claims=(), deniers=(), **fields) -> Denial:
    n = _n()
    fields = {
        "slug": f"denial-{n}",
        "statement": f"Denial number {n}.",
        "kind": "dismissal",
        "made": "2023-11-02",
        "state": PublicationState.PUBLISHED,
        **fields,
    }
    denial = Denial.objects.create(**fields)
    denial.claims.set(claims)
    denial.deniers.set(deniers or [make_actor()])  # a denial always has a denier
    return denial


def make_denial_citation(**fields) -> DenialCitation:
    if "denial" not in fields:
        fields["denial"] = make_denial()
    if "source" not in fields:
        fields["source"] = make_source()
    fields.setdefault("quote", "dismissed the accusations as baseless")
    return DenialCitation.objects.create(**fields)


def make_claim_link(**fields) -> ClaimLink:
    if "from_claim" not in fields:
        fields["from_claim"] = make_claim()
    if "to_claim" not in fields:
        fields["to_claim"] = make_claim()
    fields.setdefault("kind", "derived_from")
    return ClaimLink.objects.create(**fields)


def make_user(django_user_model, group: str, username: str):
    """A staff user in one of the curation groups (analyst, editor) made by migration."""
    user = django_user_model.objects.create_user(username, password="unused-password", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def make_denial_other_kind(**fields) -> DenialOtherKind:
    if "denial" not in fields:
        fields["denial"] = make_denial(kind="dismissal")
    fields.setdefault("kind", "counter_claim")
    return DenialOtherKind.objects.create(**fields)


def make_unpublished_document(**fields) -> Source:
    """A source nobody published: a briefing known through the stories citing it."""
    fields = {"outlet": None, "kind": "briefing", "issuer": "National Intelligence Service", "url": "", **fields}
    return make_source(**fields)


def make_citation_figure(**fields) -> CitationFigure:
    if "citation" not in fields:
        fields["citation"] = make_claim_citation()
    if "quantity" not in fields:
        fields["quantity"] = make_quantity(claim=fields["citation"].claim)
    fields.setdefault("as_worded", "over a million")
    return CitationFigure.objects.create(**fields)
