"""Data shared by the export, feed and API tests: the demo data with the AP story's
address filled in, and a small world of records in Korean and Russian."""

import datetime as dt
from pathlib import Path

from django.core.management import call_command

from claims.models import Actor
from sources.models import Source
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_denial_citation,
    make_quantity,
    make_source,
    make_topic,
)

DEMO = Path(__file__).resolve().parent.parent / "claims" / "data" / "seed_story.yaml"
TOPIC = "north-korean-munitions-for-russia"
MILLION = "nis-million-artillery-shells-since-august"
AP = "ap-2023-11-01-nis-million-shells"
COPY = "ascend-finance-compass-ap-copy"
SEED_000 = "seed-000-array-of-missiles-2023-11-02"
AP_TITLE = "South Korea’s spy agency says North Korea shipped more than a million artillery shells to Russia"
# The seeds give no addresses; a curator who found them would record these.
AP_URL = "https://apnews.com/article/north-korea-russia-artillery-shells-nis"
AP_ARCHIVE = (
    "https://web.archive.org/web/20231101000000/https://apnews.com/article/north-korea-russia-artillery-shells-nis"
)
AP_RETRIEVED = dt.datetime(2024, 1, 5, 9, 30, tzinfo=dt.UTC)
COPY_URL = "https://ascend-finance-compass.example/scams/south-korea-spy-agency"

KOREAN = "북한"
RUSSIAN = "Сергей Лавров"


def import_demo():
    call_command("import_claims", str(DEMO), verbosity=0)


def add_addresses():
    """The addresses of the AP story and of its copy, which the seeds do not give."""
    ap = Source.objects.get(slug=AP)
    ap.url, ap.archive_url, ap.retrieved_at = AP_URL, AP_ARCHIVE, AP_RETRIEVED
    ap.save()
    copy = Source.objects.get(slug=COPY)
    copy.url = COPY_URL
    copy.save()


def load_demo():
    """The demo data with the addresses (tests/conftest.py loads it once per module)."""
    import_demo()
    add_addresses()


def make_multilingual():
    """A claim about 북한 relayed by Сергей Лавров, cited from a source by Korean and
    Russian authors, and denied by him: every name must survive every format."""
    lavrov = make_actor(name=RUSSIAN, slug="lavrov-ru", kind="person")
    nk = make_actor(name=f"{KOREAN} (North Korea)", slug="bukhan", kind="state")
    topic = make_topic(name=f"{KOREAN} и Россия", slug="bukhan-russia")
    claim = make_claim(slug="bukhan-claim", proposition=f"{RUSSIAN} says {KOREAN} sent shells.")
    claim.topics.add(topic)
    claim.subjects.add(nk)
    make_attribution(claim=claim, actor=lavrov, role="originator", channel="пресс-конференция")
    make_quantity(claim=claim, as_worded="более миллиона", item="снарядов")
    source = make_source(
        slug="multilingual-source",
        title=f"{KOREAN} 포탄 — {RUSSIAN} о поставках",
        authors=f"김형진\n{RUSSIAN}",
        language="ko",
        url="https://example.kr/기사/1",
        published="2023-08",
        retrieved_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
    )
    make_claim_citation(
        claim=claim, source=source, quote=f"{KOREAN}이 포탄을 보냈다", translation="North Korea sent shells"
    )
    denial = make_denial(slug="lavrov-denial", statement=f"{RUSSIAN} отрицает.", claims=[claim], deniers=[lavrov])
    make_denial_citation(denial=denial, source=source, quote="Это ложь")
    return {"claim": claim, "topic": topic, "actor": lavrov, "source": source, "nk": nk}


def build_world(n: int):
    """n published claims in one topic, each with a relay chain, a figure, a citation of
    its own source (with a derivation-free outlet) and a denial; plus drafts."""
    topic = make_topic()
    actor = make_actor()
    claims = []
    for i in range(n):
        claim = make_claim(made=dt.date(2023, 1, 1) + dt.timedelta(days=i))
        claim.topics.add(topic)
        claim.subjects.add(actor)
        make_attribution(claim=claim, actor=actor)
        make_quantity(claim=claim)
        make_claim_citation(claim=claim)
        denial = make_denial(claims=[claim], deniers=[actor])
        make_denial_citation(denial=denial)
        claims.append(claim)
    return {"topic": topic, "actor": actor, "claims": claims}


def actor(slug) -> Actor:
    return Actor.objects.get(slug=slug)
