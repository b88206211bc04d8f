"""web/export/csl_compat.py: its fixes to citeproc-py are applied lazily, and a
system check (claims.E001) stops start-up with a citeproc-py they were not written for."""

import pytest
from django.core import checks

from web.export import csl_compat
from web.export.bibliography import format_bibliography


def test_the_installed_citeproc_is_one_the_fixes_were_written_for():
    assert csl_compat.installed_version() in csl_compat.SUPPORTED_VERSIONS
    assert csl_compat.check_citeproc_version() == []


@pytest.mark.parametrize("version", ["0.12.0", "0.11.0", None])
def test_another_citeproc_version_fails_the_system_checks(monkeypatch, version):
    monkeypatch.setattr(csl_compat, "installed_version", lambda: version)

    errors = [e for e in checks.run_checks() if e.id == "claims.E001"]

    assert len(errors) == 1
    assert errors[0].level == checks.ERROR
    assert errors[0].is_serious()
    assert f"citeproc-py {version or '(not installed)'} is installed" in errors[0].msg
    assert "0.11.1" in errors[0].msg


def test_the_fixes_are_in_place_once_a_bibliography_is_formatted():
    item = {"id": "x", "type": "article-newspaper", "title": "Unsigned story", "container-title": "Daily"}

    (entry,) = format_bibliography([item], "apa")

    assert csl_compat._applied
    assert entry.count("Unsigned story") == 1  # fix 1: the title stands in for the author once
