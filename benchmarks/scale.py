"""The scale benchmark of issue 11: the site over a synthetic corpus of N claims, served
as in production, against Datasette over the same claims. Run:

    make bench                          # N = $BENCH_CLAIMS, default 100,000
    make bench-smoke                    # 10,000 claims, a few requests a case, no Datasette
    .venv/bin/python benchmarks/scale.py --claims 100000 [--requests 20] [--no-datasette]

It generates the corpus (claims/corpus.py) into the PostgreSQL database
claims_bench_<N>, or reuses it when it holds that corpus; serves it with gunicorn.conf.py
(2 workers, settings benchmarks.settings, which add an X-Query-Count header); then, for
each named case, requests it one at a time over loopback and prints the p50 and p95 time
to the last byte, the queries per request and the HTML size, beside the issue's target
(set for 1M claims). Then: the exports' claims/s and the workers' peak memory; the home
page's p95 while eight clients load the biggest topic; and Datasette (in its own virtual
environment under .bench/) over an SQLite copy of the published claims with FTS5, on the
equivalent list, search and export cases, with the ratio. Writes docs/perf/scale-<N>.json
and, with more than one size there, docs/perf/scale.svg (p95 against corpus size).

Exits non-zero only on errors: a response other than 200, or a query count that grows
with the data (a deep page or the biggest topic, actor, claim running more queries than
a first page or a small one). Missed targets are reported, not failed.
"""

import argparse
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
PERF_DIR = ROOT / "docs" / "perf"
PG = "postgres://postgres@127.0.0.1:5432"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PAGE_SIZE = 25
DEEP_PAGE = 1000

# The targets, for 1M claims: (kind of figure, limit). "ms": p95 at most;
# "rate": at least; "mb": at most; "ratio": ours over Datasette's, below.
TARGETS = {
    "list": ("ms", 30),
    "claim": ("ms", 20),
    "entity": ("ms", 60),
    "search": ("ms", 60),
    "api": ("ms", 30),
    "admin": ("ms", 300),
    "home": ("ms", None),
    "export_rate": ("rate", 30_000),
    "export_memory": ("mb", 50),
    "home_under_load": ("ratio", 2.0),
    "peer": ("ratio", 1.0),
}


# --- Pure parts (tests/test_bench_scale.py) ---------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def target_met(kind: str, value: float | None, limit: float | None) -> bool | None:
    """Whether a figure meets its target; None when there is no figure or no target."""
    if value is None or limit is None:
        return None
    if kind == "rate":
        return value >= limit
    if kind == "ratio" and limit == 1.0:
        return value < limit  # faster than the peer
    return value <= limit


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: "-"}[met]


@dataclass
class Case:
    name: str
    path: str
    family: str  # its target: list, claim, entity, search, api, admin, home
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cookie: str = ""

    def summary(self) -> dict:
        kind, limit = TARGETS[self.family]
        p95 = percentile(self.ms, 95) if self.ms else None
        return {
            "name": self.name,
            "path": self.path,
            "family": self.family,
            "requests": len(self.ms),
            "p50_ms": round(percentile(self.ms, 50), 1) if self.ms else None,
            "p95_ms": round(p95, 1) if p95 is not None else None,
            "queries": max(self.queries) if self.queries else None,
            "queries_min": min(self.queries) if self.queries else None,
            "html_kb": round(max(self.sizes) / 1024, 1) if self.sizes else None,
            "target_ms": limit,
            "met": target_met(kind, p95, limit),
            "errors": self.errors[:3],
        }


def query_growth(summaries: list[dict]) -> list[str]:
    """Cases whose query count grows with the data: a case named "X deep" or "X (big)"
    running more queries than "X". Each case's fewest are compared: a worker's first
    request also runs django.contrib.postgres's two lookups of its types in pg_type.
    (Claims may differ by a query or two, a prefetch that Django skips when there is
    nothing to prefetch from: bounded, not growing.)"""
    by_name = {s["name"]: s for s in summaries}
    problems = []
    for summary in summaries:
        name = summary["name"]
        if summary["queries_min"] is None:
            continue
        for suffix in (" deep", " (big)"):
            base = by_name.get(name.removesuffix(suffix)) if name.endswith(suffix) else None
            if base and base["queries_min"] is not None and summary["queries_min"] > base["queries_min"]:
                problems.append(f"{name}: {summary['queries_min']} queries, {base['name']}: {base['queries_min']}")
    return problems


def report(result: dict) -> str:
    """The table printed on stdout."""
    lines = [
        f"Scale benchmark: {result['claims']:,} claims, PostgreSQL, gunicorn {result['workers']} workers "
        f"(targets are the issue's, for 1M claims)",
        "",
        f"{'case':<34} {'p50 ms':>9} {'p95 ms':>9} {'queries':>7} {'KB':>8} {'target':>8}  result",
    ]
    for s in result["cases"]:
        if s["errors"]:
            lines.append(f"{s['name']:<34} ERROR {s['errors'][0]}")
            continue
        target = f"{s['target_ms']}" if s["target_ms"] else "-"
        lines.append(
            f"{s['name']:<34} {s['p50_ms']:>9.1f} {s['p95_ms']:>9.1f} {s['queries'] or '-':>7} "
            f"{s['html_kb']:>8.1f} {target:>8}  {verdict(s['met'])}"
        )
    if exports := result.get("exports"):
        lines += ["", f"{'export':<34} {'claims':>9} {'claims/s':>9} {'peak MB':>8} {'growth MB':>9}  result"]
        for e in exports:
            lines.append(
                f"{e['name']:<34} {e['rows']:>9,} {e['rate']:>9,.0f} {e['peak_mb']:>8.0f} {e['growth_mb']:>9.1f}  "
                f"rate {verdict(e['rate_met'])}, memory {verdict(e['memory_met'])}"
            )
    if load := result.get("home_under_load"):

        def figure(value, unit="ms"):
            return "timed out" if value is None else f"{value:.1f} ms" if unit == "ms" else f"x{value:.1f}"

        lines += [
            "",
            f"home page p95 idle {figure(load['idle_p95_ms'])}, while 8 clients load the biggest topic "
            f"{figure(load['loaded_p95_ms'])}: {figure(load['ratio'], 'x')} (target x2)  {verdict(load['met'])}",
        ]
    if peer := result.get("datasette"):
        lines += ["", f"{'versus Datasette (same claims)':<34} {'ours p95':>9} {'theirs':>9} {'ratio':>7}  result"]
        for p in peer:
            lines.append(
                f"{p['name']:<34} {p['ours']:>9.1f} {p['theirs']:>9.1f} {p['ratio']:>7.2f}  {verdict(p['met'])}"
                + ("  (claims/s)" if p.get("unit") == "rate" else "")
            )
    if result.get("problems"):
        lines += ["", "ERRORS:", *(f"  {p}" for p in result["problems"])]
    return "\n".join(lines)


def svg_chart(results: list[dict], cases: tuple[str, ...]) -> str:
    """p95 against corpus size for `cases`, both axes logarithmic, as a standalone SVG."""
    import math

    width, height, left, bottom, top, right = 640, 360, 60, 40, 20, 170
    points = {
        name: [(r["claims"], s["p95_ms"]) for r in results for s in r["cases"] if s["name"] == name and s["p95_ms"]]
        for name in cases
    }
    xs = [x for series in points.values() for x, _ in series] or [1]
    ys = [y for series in points.values() for _, y in series] or [1]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs)) + 1e-9
    y0, y1 = math.floor(math.log10(max(min(ys), 0.1))), math.ceil(math.log10(max(ys)) + 1e-9)

    def px(x, y):
        return (
            left + (math.log10(x) - x0) / (x1 - x0 or 1) * (width - left - right),
            height - bottom - (math.log10(y) - y0) / (y1 - y0 or 1) * (height - top - bottom),
        )

    colours = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="p95 response time against corpus size" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="#fff"/>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#000"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#000"/>',
        f'<text x="{(width - right + left) / 2}" y="{height - 5}" text-anchor="middle">claims</text>',
        f'<text x="12" y="{top + 10}">p95 ms</text>',
    ]
    for exponent in range(y0, y1 + 1):
        _, y = px(min(xs), 10**exponent)
        parts.append(f'<text x="{left - 5}" y="{y + 4}" text-anchor="end">{10**exponent:g}</text>')
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="#ddd"/>')
    for size in sorted(set(xs)):
        x, _ = px(size, 10**y0)
        parts.append(f'<text x="{x}" y="{height - bottom + 15}" text-anchor="middle">{size:,}</text>')
    for index, (name, series) in enumerate(points.items()):
        colour = colours[index % len(colours)]
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (px(*p) for p in sorted(series)))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in (px(*p) for p in series):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 * index + 10
        parts.append(f'<rect x="{width - right + 10}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 25}" y="{ly}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# --- Running ----------------------------------------------------------------------------


def run(command: list[str], env: dict, **kwargs) -> str:
    return subprocess.run(  # noqa: S603 - our own commands
        command, env=env, cwd=ROOT, check=True, capture_output=True, text=True, **kwargs
    ).stdout


def psql(database_url: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        cursor = db.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def prepare_database(claims: int, env: dict) -> None:
    """Create, migrate and fill claims_bench_<N>, unless it already holds that corpus."""
    name = f"claims_bench_{claims}"
    if not psql(f"{PG}/postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
        psql(f"{PG}/postgres", f'CREATE DATABASE "{name}"')
    run([PYTHON, "manage.py", "migrate", "--noinput"], env)
    url = env["DATABASE_URL"]
    held = psql(url, "SELECT count(*), count(*) FILTER (WHERE slug NOT LIKE 'corpus-%%') FROM claims_claim")[0]
    if held == (claims, 0):
        print(f"reusing the corpus of {claims:,} claims in {name}")
        return
    print(f"generating {claims:,} claims into {name} ...", flush=True)
    started = time.monotonic()
    output = run([PYTHON, "manage.py", "generate_corpus", "--claims", str(claims), "--force"], env)
    print(output.strip())
    print(f"generation: {time.monotonic() - started:.0f} s")


def from_django(env: dict) -> dict:
    """What the cases need from the application: a logged-in superuser's session cookie
    (made without the login form and its throttle), and the corpus' common and rare words."""
    code = (
        "import json; from django.conf import settings; from django.contrib.auth import get_user_model; "
        "from django.test import Client; from claims.corpus import COMMON_WORD, RARE_WORD; "
        "u, _ = get_user_model().objects.get_or_create(username='bench'); "
        "u.is_staff = u.is_superuser = True; u.save(); c = Client(); c.force_login(u); "
        "n = settings.SESSION_COOKIE_NAME; "
        "print(json.dumps({'cookie': f'{n}={c.cookies[n].value}', 'common': COMMON_WORD, 'rare': RARE_WORD}))"
    )
    return json.loads(run([PYTHON, "manage.py", "shell", "-c", code], env).strip().splitlines()[-1])


def parameters(database_url: str) -> dict:
    """The slugs the cases use: the biggest and a small topic, actor and materiel, some
    claims, and the marker of the page after the 24,975th claim (page 1,000)."""

    def one(sql):
        return psql(database_url, sql)[0][0]

    topic_sql = (
        "SELECT t.slug FROM claims_topic t JOIN claims_claim_topics ct ON ct.topic_id = t.id "
        "GROUP BY t.slug ORDER BY count(*) {} , t.slug LIMIT 1"
    )
    actor_sql = (
        "SELECT a.slug FROM claims_actor a JOIN claims_attribution x ON x.actor_id = a.id "
        "GROUP BY a.slug ORDER BY count(*) {} , a.slug LIMIT 1"
    )
    materiel_sql = (
        "SELECT m.slug FROM claims_materiel m JOIN claims_claim_materiel cm ON cm.materiel_id = m.id "
        "GROUP BY m.slug ORDER BY count(*) {} , m.slug LIMIT 1"
    )
    deep = psql(
        database_url,
        "SELECT made_earliest, made_latest, id FROM claims_claim WHERE state = 'published' "
        "ORDER BY made_earliest DESC NULLS LAST, made_latest DESC NULLS LAST, id DESC OFFSET %s LIMIT 1",
        [PAGE_SIZE * (DEEP_PAGE - 1) - 1],
    )
    marker = "~".join([*(v.isoformat() if v else "none" for v in deep[0][:2]), str(deep[0][2])]) if deep else ""
    # The quote page (issue 13) for the source most cited and for one cited once, with
    # a long passage of each: it lists what cites the source and looks up every run of
    # up to 6 words of the passage among the actors' names and aliases.
    source_sql = (
        "SELECT s.id, left(s.text, 3000) FROM sources_source s JOIN claims_claimcitation c ON c.source_id = s.id "
        "WHERE s.text <> '' GROUP BY s.id ORDER BY count(*) {}, s.id LIMIT 1"
    )
    big_source = psql(database_url, source_sql.format("DESC"))
    small_source = psql(database_url, source_sql.format("ASC"))
    return {
        "big_source": big_source[0] if big_source else None,
        "small_source": small_source[0] if small_source else None,
        "topic": one(topic_sql.format("DESC")),
        "small_topic": one(topic_sql.format("ASC")),
        "actor": one(actor_sql.format("DESC")),
        "small_actor": one(actor_sql.format("ASC")),
        "materiel": one(materiel_sql.format("DESC")),
        "small_materiel": one(materiel_sql.format("ASC")),
        "claims": [r[0] for r in psql(database_url, "SELECT slug FROM claims_claim WHERE state = 'published' LIMIT 5")],
        "deep_marker": marker,
    }


def make_cases(p: dict) -> list[Case]:
    filters = {
        "topic": p["topic"],
        "claimant": p["actor"],
        "subject": p["actor"],
        "materiel": p["materiel"],
        "status": "disputed",
        "certainty": "probable",
        "has_denial": "true",
        "made_after": "2020-01-01",
        "q": p["common"],
        "sort": "-recorded",
    }
    cases = [Case("home", "/", "home"), Case("list", "/claims/", "list")]
    cases.append(Case("list deep", f"/claims/?after={p['deep_marker']}", "list"))
    for name, value in filters.items():
        query = {name: value}
        cases.append(Case(f"list {name}", "/claims/?" + urlencode(query), "list"))
        if name != "sort":  # a deep marker is of one sort order
            cases.append(
                Case(f"list {name} deep", "/claims/?" + urlencode({**query, "after": p["deep_marker"]}), "list")
            )
    combos = (
        {"topic": p["topic"], "status": "disputed"},
        {"claimant": p["actor"], "has_denial": "true"},
        {"materiel": p["materiel"], "made_after": "2020-01-01", "certainty": "probable"},
    )
    for combo in combos:
        cases.append(Case("list " + "+".join(combo), "/claims/?" + urlencode(combo), "list"))
    cases += [
        Case("claim", "/claims/{claim}/", "claim"),
        Case("topic", f"/topics/{p['small_topic']}/", "entity"),
        Case("topic (big)", f"/topics/{p['topic']}/", "entity"),
        Case("actor", f"/actors/{p['small_actor']}/", "entity"),
        Case("actor (big)", f"/actors/{p['actor']}/", "entity"),
        Case("materiel", f"/materiel/{p['small_materiel']}/", "entity"),
        Case("materiel (big)", f"/materiel/{p['materiel']}/", "entity"),
        Case("search common", f"/search/?q={quote(p['common'])}", "search"),
        Case("search rare", f"/search/?q={quote(p['rare'])}", "search"),
        Case("api claims", "/api/claims/?page_size=25", "api"),
        Case("admin claims", "/admin/claims/claim/", "admin"),
    ]
    for name, key in (("admin quote", "small_source"), ("admin quote (big)", "big_source")):
        if p.get(key):
            source, passage = p[key]
            path = f"/admin/claims/claim/quote/{source}/?" + urlencode({"quote": passage})
            cases.append(Case(name, path, "admin"))  # urlencode leaves no braces for format()
    return cases


def fetch(port: int, path: str, cookie: str = "", timeout: float = 180) -> tuple[int, float, int, int | None]:
    """One GET over a fresh connection: status, ms to the last byte, body bytes, X-Query-Count."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": "127.0.0.1", "Cookie": cookie} if cookie else {"Host": "127.0.0.1"}
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    size = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    count = response.getheader("X-Query-Count")
    return response.status, elapsed, size, int(count) if count else None


def measure(case: Case, port: int, requests: int, budget_s: float, claims: list[str], warm_up: bool = True) -> None:
    """`requests` requests one at a time (at least 2, fewer when they exceed the budget),
    after one warm-up request unless `warm_up` is off (the smoke run)."""
    started = time.monotonic()
    for index in range(0 if warm_up else 1, requests + 1):
        path = case.path.format(claim=claims[index % len(claims)])
        try:
            status, ms, size, count = fetch(port, path, case.cookie)
        except (OSError, http.client.HTTPException) as exc:
            case.errors.append(f"{path}: {exc}")
            return
        if status != 200:
            case.errors.append(f"{path}: HTTP {status}")
            return
        if index:  # the first request warms the workers' caches
            case.ms.append(ms)
            if count is not None:
                case.queries.append(count)
            case.sizes.append(size)
        if index >= 2 and time.monotonic() - started > budget_s:
            return


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def memory_kb(pid: int, key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match.group(1)) if match else 0


def measure_export(port: int, master: int, name: str, path: str) -> dict:
    """Claims/s of a streamed export, and how far it raised the workers' peak memory."""
    before = {pid: memory_kb(pid, "VmHWM") for pid in worker_pids(master)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    lines = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    connection.close()
    after = {pid: memory_kb(pid, "VmHWM") for pid in worker_pids(master)}
    rows = lines - 1 if path.split("?")[0].endswith(".csv") else lines
    growth = max((after[pid] - before.get(pid, after[pid]) for pid in after), default=0) / 1024
    kind_rate, rate_limit = TARGETS["export_rate"]
    _, memory_limit = TARGETS["export_memory"]
    rate = rows / elapsed if elapsed else 0
    return {
        "name": name,
        "path": path,
        "status": response.status,
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rate": round(rate),
        "peak_mb": max(after.values(), default=0) / 1024,
        "growth_mb": round(growth, 1),
        "rate_met": target_met(kind_rate, rate, rate_limit),
        "memory_met": target_met("mb", growth, memory_limit),
    }


def home_under_load(port: int, topic: str, requests: int) -> dict:
    """The home page's p95 alone, then while eight clients load the biggest topic page."""
    idle = Case("home idle", "/", "home")
    measure(idle, port, requests, 30, [""])
    stop = threading.Event()

    def load():
        while not stop.is_set():
            try:
                fetch(port, f"/topics/{topic}/", timeout=300)
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)

    threads = [threading.Thread(target=load, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    loaded = Case("home loaded", "/", "home")
    measure(loaded, port, requests, 60, [""])
    stop.set()
    idle_p95 = percentile(idle.ms, 95) if idle.ms else None
    loaded_p95 = percentile(loaded.ms, 95) if loaded.ms else None  # None: timed out
    ratio = loaded_p95 / idle_p95 if idle_p95 and loaded_p95 else None
    return {
        "idle_p95_ms": idle_p95,
        "loaded_p95_ms": loaded_p95,
        "ratio": ratio,
        "met": target_met("ratio", ratio, TARGETS["home_under_load"][1]) if ratio else False,
        "errors": idle.errors + loaded.errors,
    }


class Server:
    """gunicorn with the repository's configuration, or Datasette, on a free port."""

    def __init__(self, command: list[str], env: dict, port: int, probe: str):
        self.port, self.probe = port, probe
        self.log = open(BENCH_DIR / f"server-{port}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server on port {self.port} exited: see {self.log.name}")
            try:
                if fetch(self.port, self.probe, timeout=30)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the server on port {self.port} did not answer {self.probe}: see {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# --- Datasette --------------------------------------------------------------------------


def datasette_copy(claims: int, database_url: str) -> Path:
    """An SQLite copy of the published claims, one flat row each, with FTS5 and a
    claim-topic table for the topic export; built once per size."""
    path = BENCH_DIR / f"claims_{claims}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.executescript(
        """
        CREATE TABLE claims (id INTEGER PRIMARY KEY, slug TEXT, proposition TEXT, made TEXT,
            made_earliest TEXT, made_latest TEXT, status TEXT, certainty TEXT, claimants TEXT, topics TEXT);
        CREATE TABLE claim_topics (claim_id INTEGER, topic TEXT);
        """
    )
    rows = psql(
        database_url,
        """
        SELECT c.id, c.slug, c.proposition, c.made_edtf, c.made_earliest::text, c.made_latest::text,
               c.status, c.certainty,
               (SELECT string_agg(a.name, ' | ' ORDER BY x.position) FROM claims_attribution x
                JOIN claims_actor a ON a.id = x.actor_id WHERE x.claim_id = c.id),
               (SELECT string_agg(t.slug, ' | ') FROM claims_claim_topics ct
                JOIN claims_topic t ON t.id = ct.topic_id WHERE ct.claim_id = c.id)
        FROM claims_claim c WHERE c.state = 'published'
        """,
    )
    db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany(
        "INSERT INTO claim_topics VALUES (?, ?)",
        [(row[0], topic) for row in rows if row[9] for topic in row[9].split(" | ")],
    )
    db.executescript(
        """
        CREATE INDEX claims_made ON claims (made_earliest DESC);
        CREATE INDEX claims_status ON claims (status);
        CREATE INDEX claim_topics_topic ON claim_topics (topic, claim_id);
        CREATE VIRTUAL TABLE claims_fts USING fts5(proposition, claimants, content='claims', content_rowid='id');
        INSERT INTO claims_fts (claims_fts) VALUES ('rebuild');
        """
    )
    db.commit()
    db.close()
    partial.rename(path)
    return path


def datasette_cases(table: str, p: dict) -> list[tuple[str, str]]:
    """(our case, Datasette's path): the same question asked of each."""
    return [
        ("list", f"{table}?_sort_desc=made_earliest"),
        ("list status", f"{table}?status=disputed&_sort_desc=made_earliest"),
        ("search common", f"{table}?_search={quote(p['common'])}"),
        ("search rare", f"{table}?_search={quote(p['rare'])}"),
    ]


def compare_datasette(
    claims: int, database_url: str, port: int, requests: int, ours: dict, p: dict, export: dict | None
) -> list[dict]:
    datasette = BENCH_DIR / "datasette-venv" / "bin" / "datasette"
    if not datasette.exists():
        print("installing Datasette into .bench/datasette-venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_DIR / "datasette-venv")], check=True)  # noqa: S603
        subprocess.run([str(datasette.parent / "pip"), "install", "--quiet", "datasette"], check=True)  # noqa: S603
    copy = datasette_copy(claims, database_url)
    server = Server(
        [
            str(datasette),
            "serve",
            str(copy),
            "--port",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "60000",
            "--setting",
            "default_page_size",
            str(PAGE_SIZE),
            "--setting",
            "max_csv_mb",
            "0",
        ],
        {**os.environ},
        port,
        f"/{copy.stem}/claims?_size=1",
    )
    table = f"/{copy.stem}/claims"  # Datasette names a database after its file
    compared = []
    try:
        server.wait()
        for name, path in datasette_cases(table, p):
            theirs = Case(f"datasette {name}", path, "list")
            measure(theirs, port, requests, 30, [""])
            mine = ours.get(name)
            if theirs.errors or not mine or mine["p95_ms"] is None:
                continue
            theirs_p95 = percentile(theirs.ms, 95)
            ratio = mine["p95_ms"] / theirs_p95
            compared.append(
                {"name": name, "ours": mine["p95_ms"], "theirs": theirs_p95, "ratio": ratio, "met": ratio < 1}
            )
        if export:
            where = quote(f"id in (select claim_id from claim_topics where topic = '{p['topic']}')")  # noqa: S608 - a slug
            started = time.perf_counter()
            status, _, size, _ = fetch(port, f"{table}.csv?_stream=on&_where={where}", timeout=600)
            seconds = time.perf_counter() - started
            rows = export["rows"]
            if status == 200 and seconds:
                theirs_rate = rows / seconds
                compared.append(
                    {
                        "name": "export csv (topic)",
                        "ours": export["rate"],
                        "theirs": round(theirs_rate),
                        "ratio": theirs_rate / export["rate"] if export["rate"] else float("inf"),
                        "met": export["rate"] > theirs_rate,
                        "unit": "rate",
                    }
                )
    finally:
        server.stop()
    return compared


# --- Main -------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=int(os.environ.get("BENCH_CLAIMS", "100000")))
    parser.add_argument("--requests", type=int, default=20, help="requests a case (fewer past --budget)")
    parser.add_argument("--budget", type=float, default=30, help="seconds a case may take, past 2 requests")
    parser.add_argument("--smoke", action="store_true", help="CI: 2 requests a case, no warm-up, no Datasette, no load")
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--cases", default="", help="only the cases whose names match this regular expression")
    args = parser.parse_args(argv)
    requests = 2 if args.smoke else args.requests
    budget = 1 if args.smoke else args.budget

    # A terminated benchmark stops its servers (the finally clauses) before it exits.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    BENCH_DIR.mkdir(exist_ok=True)
    database_url = f"{PG}/claims_bench_{args.claims}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-0123456789-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PORT": str(args.port),
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_MAX_REQUESTS": "0",  # no recycling in the middle of a measure
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "LOG_LEVEL": "WARNING",
        # Request rate limits off: the load is many clients from one address. It never logs
        # in through the form (from_django), so login protection stays as in production.
        "RATE_LIMITS": "0",
    }
    sys.path.insert(0, str(ROOT))
    prepare_database(args.claims, env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput"], env)
    application = from_django(env)
    params = {**parameters(database_url), "common": application["common"], "rare": application["rare"]}
    cookie = application["cookie"]
    cases = [case for case in make_cases(params) if re.search(args.cases, case.name)]
    for case in cases:
        case.cookie = cookie if case.family == "admin" else ""

    server = Server(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "config.wsgi:application"],
        env,
        args.port,
        "/",
    )
    result = {"claims": args.claims, "workers": int(env["WEB_CONCURRENCY"]), "parameters": params}
    try:
        server.wait()
        for case in cases:
            measure(case, args.port, requests, budget, params["claims"], warm_up=not args.smoke)
            print(
                f"  {case.name}: {len(case.ms)} requests" + (f", {case.errors[0]}" if case.errors else ""), flush=True
            )
        result["cases"] = [case.summary() for case in cases]
        topic_data = f"/topics/{params['topic']}/"
        result["exports"] = [
            measure_export(args.port, server.process.pid, f"{fmt} (biggest topic)", f"{topic_data}data.{fmt}")
            for fmt in ("csv", "ndjson")
        ]
        if not args.smoke:
            result["home_under_load"] = home_under_load(args.port, params["topic"], min(requests, 20))
    finally:
        server.stop()
    if not args.smoke and not args.no_datasette:
        ours = {s["name"]: s for s in result["cases"]}
        csv_export = result["exports"][0]
        result["datasette"] = compare_datasette(
            args.claims, database_url, args.port + 1, requests, ours, params, csv_export
        )
    problems = [f"{s['name']}: {e}" for s in result["cases"] for e in s["errors"]]
    problems += [f"{e['name']}: HTTP {e['status']}" for e in result["exports"] if e["status"] != 200]
    problems += query_growth(result["cases"])
    result["problems"] = problems
    print(report(result))
    write_results(result, suffix="-smoke" if args.smoke else "-some" if args.cases else "")
    return 1 if problems else 0


def write_results(result: dict, *, suffix: str) -> None:
    """scale-N.json for a full run, which the chart draws; a smoke run (-smoke) or a run
    of some cases (--cases, -some) is written beside it and left out of the chart."""
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    name = f"scale-{result['claims']}{suffix}.json"
    (PERF_DIR / name).write_text(json.dumps(result, indent=1, default=str) + "\n")
    full = re.compile(r"scale-\d+\.json")
    results = [json.loads(p.read_text()) for p in sorted(PERF_DIR.glob("scale-*.json")) if full.fullmatch(p.name)]
    if len({r["claims"] for r in results}) > 1:
        chart = ("list", "list claimant", "claim", "topic (big)", "actor (big)", "search common", "admin claims")
        (PERF_DIR / "scale.svg").write_text(svg_chart(results, chart))
    print(f"results: {PERF_DIR / name}")


if __name__ == "__main__":
    sys.exit(main())
