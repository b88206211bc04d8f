"""How the public claims list costs at page 1 and deep in the list.

Keyset pagination should make a page near the end cost what the first page costs;
OFFSET pagination (shown for comparison) grows with depth. Run:

    .venv/bin/python benchmarks/claim_list_depth.py [N]          # SQLite in a temp file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_bench .venv/bin/python benchmarks/claim_list_depth.py

It builds N published claims (default 20,000) in a throwaway database and prints the
median time of each request and the number of queries it issued.
"""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from claims.models import Claim  # noqa: E402
from web.pagination import _encode, sort_order  # noqa: E402


def build(n: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    Claim.objects.all().delete()
    start = dt.date(2020, 1, 1)
    Claim.objects.bulk_create(
        Claim(
            slug=f"bench-{i}",
            proposition=f"Benchmark claim {i}.",
            made=start + dt.timedelta(days=i % 1500),
            state="published",
        )
        for i in range(n)
    )


def measure(client: Client, url: str, repeat: int = 15) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), len(queries)


def offset_page_ms(offset: int, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        list(Claim.objects.published().order_by(*sort_order("-made"))[offset : offset + 25])
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    setup_test_environment()
    build(n)
    client = Client()
    ordered = list(
        Claim.objects.published().order_by(*sort_order("-made")).values_list("made_earliest", "made_latest", "pk")
    )
    deep = ordered[n - 30]
    print(f"{connection.vendor}, {n:,} published claims")
    for label, url in [
        ("claims list, first page", "/claims/"),
        ("claims list, a page near the end", f"/claims/?after={_encode(deep[:2], deep[2])}"),
    ]:
        ms, queries = measure(client, url)
        print(f"  {label:38} {ms:7.1f} ms  {queries} queries")
    print(f"  {'OFFSET 0 (for comparison)':38} {offset_page_ms(0):7.1f} ms")
    print(f"  {f'OFFSET {n - 30:,} (for comparison)':38} {offset_page_ms(n - 30):7.1f} ms")


if __name__ == "__main__":
    main()
