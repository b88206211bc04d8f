"""The layout's one rule: imports flow web -> claims -> sources, and history and
operations import from none of them (README, "What is in it")."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app -> the project apps it must not import
FORBIDDEN = {
    "sources": {"claims", "web"},
    "claims": {"web"},
    "history": {"claims", "sources", "web"},
    "operations": {"claims", "sources", "web"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_downstream_apps(app):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & FORBIDDEN[app])
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }
    assert {path: apps for path, apps in offending.items() if apps} == {}


def test_forbidden_import_is_detected(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web.views import home\n", encoding="utf-8")
    assert "web" in imported_apps(module)


# --- Writes that bypass history ---------------------------------------------------------
# QuerySet.update()/delete() and bulk_create()/bulk_update() send no signals, so they
# write no history row. The app code may use them only where listed here, with why.
BULK_WRITE = re.compile(
    r"\.(bulk_create|bulk_update)\(|(objects|_base_manager|\.(filter|exclude|all)\([^()]*\))(\.\w+\([^()]*\))*\.(update|delete)\("
)
ALLOWED_BULK_WRITES = {
    # the compare-and-swap of the version; the save that follows records the history row
    ("history/tracking.py", ".filter(pk=self.pk, version=expected).update(version=expected + 1 if bump else expected)"),
    # a revision's reason given after its first row (Revision is not a curated record)
    ("history/tracking.py", "Revision.objects.filter(pk=revision.pk).update(reason=current.reason)"),
    # a recovered record keeps its creation time, which is not content (no history of it)
    ("history/services.py", "model._base_manager.filter(pk=pk).update(created_at=deletion.last.created_at)"),
    # quote_found, a cache of whether a quote is in its source's text, refreshed when the
    # text changes (or, for rows loaded without saves, all at once); not content and not in
    # the history (Citation.derived_fields)
    ("claims/models.py", "model.objects.filter(pk__in=pks).update(quote_found=value)"),
    ("claims/models.py", "model.objects.using(using).filter(pk__in=pks).update(quote_found=value)"),
    # the signature bands of sources' texts (intake's copy index), derived data rewritten
    # when a text changes or rebuilt all at once; not curated, no history
    ("sources/intake/signatures.py", "stored.filter(source_id=source.pk).delete()"),
    ("sources/intake/signatures.py", "stored.bulk_create(rows)"),
    ("sources/intake/signatures.py", "SourceSignatureBand.objects.using(using).all().delete()"),
    # the synthetic corpus for scale work (SQLite path), which by design has no history
    ("claims/corpus.py", "model.objects.using(self.using).bulk_create(self.pending.pop(model, []))"),
    # intake's working rows past INTAKE_KEEP_DAYS: staff's scratch, not curated, no history
    ("sources/admin_intake.py", "IntakeRequest.objects.filter(created_at__lt=kept_since).delete()"),
    # The site's change counter: one row, not a record with history (operations/http_cache.py).
    ("operations/http_cache.py", "SiteVersion.objects.using(using).filter(pk=COUNTER_PK).update(version="),
}
APP_DIRS = ("claims", "sources", "web", "history", "operations", "config")


def bulk_writes() -> set[tuple[str, str]]:
    found = set()
    for app in APP_DIRS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            # a chain continued on the next line is read as one line
            for line in re.sub(r"\n\s*\.", ".", path.read_text(encoding="utf-8")).splitlines():
                if BULK_WRITE.search(line):
                    found.add((str(path.relative_to(ROOT)), line.strip()))
    return found


def test_no_bulk_write_bypasses_history_unless_listed():
    assert {
        (path, line)
        for path, line in bulk_writes()
        if not any(path == allowed_path and allowed in line for allowed_path, allowed in ALLOWED_BULK_WRITES)
    } == set()


def test_bulk_write_pattern_finds_queryset_writes():
    for line in (
        "Claim.objects.filter(pk=1).update(notes='x')",
        "Claim.objects.bulk_create(rows)",
        "qs.filter(a=1).delete()",
    ):
        assert BULK_WRITE.search(line), line
    assert not BULK_WRITE.search("context.update(claims=claims)")
