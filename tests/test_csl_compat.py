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

    # No databases: Django 6 checks every alias by default, and a JSONField's check
    # (django-tasks-db's results) would connect to SQLite outside a database test.
    errors = [e for e in checks.run_checks(databases=[]) if e.id == "claims.E001"]

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


# --- the rules as citeproc-js follows them (tests/test_citeproc_js.py compares whole entries) ---


@pytest.mark.parametrize(
    ("given", "mark", "initialize", "expected"),
    [
        ("Hyung-jin", ". ", True, "H."),  # a lower-case part belongs to the one before
        ("Hyung-Jin", ". ", True, "H.-J."),
        ("Jean-Luc", ". ", True, "J.-L."),
        ("Ji Young", ". ", True, "J. Y."),
        ("J.R.R.", ". ", True, "J. R. R."),
        ("Jiyoung", ". ", False, "Jiyoung"),  # initialize="false": whole
        ("James T", ". ", False, "James T."),  # an initial still gets its mark
        ("형진", ". ", True, "형진"),  # no initials in Hangul
    ],
)
def test_given_names_are_initialised_as_citeproc_js_does(given, mark, initialize, expected):
    assert csl_compat.initials(given, mark, initialize=initialize) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("more than a million shells since August", "More than a Million Shells since August"),
        ("the road to peace: a report", "The Road to Peace: A Report"),  # after a colon
        ("what it is for", "What It Is For"),  # a stop word last
        ("Сергей Лавров о поставках", "Сергей Лавров о Поставках"),  # one letter: left alone
        ("e-mail from the front", "E-Mail from the Front"),
        ("South Korea’s spy agency", "South Korea’s Spy Agency"),
        ("iPhone sales in the DPRK", "iPhone Sales in the DPRK"),  # a capital: left alone
        ('a <span class="nocase">pH</span> test', 'A <span class="nocase">pH</span> Test'),
    ],
)
def test_title_case_keeps_citeproc_js_stop_words(title, expected):
    assert csl_compat.title_case(title) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O'Brien's view", "O’Brien’s view"),
        ("the '90s", "the ’90s"),
        ('a "double" one', "a “double” one"),
        ("ends with 'quote'", "ends with “quote”"),
    ],
)
def test_straight_quotation_marks_are_made_typographic(text, expected):
    assert csl_compat.typographic(text) == expected


def test_sort_keys_compare_as_citeproc_js_compares_them():
    keys = ["Outlet 12", "김형진", "Outlet 5", "About June", "A week in October", "Élan", "Сергей", "elan 2"]

    assert sorted(keys, key=csl_compat.collation_key) == [
        "A week in October",  # a space before any letter
        "About June",
        "Élan",  # accents and case ignored
        "elan 2",
        "Outlet 5",  # numbers by value
        "Outlet 12",
        "Сергей",
        "김형진",
    ]


@pytest.mark.parametrize(
    ("style", "title", "expected"),
    [
        ("chicago-author-date", "Is it over?", "Daily. 2023. “Is It Over?” November 1."),
        ("chicago-author-date", "Says “no”", "Daily. 2023. “Says ‘No.’” November 1."),
        ("apa", "Is it over?", "Is it over? (2023, November 1). Daily."),
        ("apa", "Says “no”", "Says “no.” (2023, November 1). Daily."),
    ],
)
def test_punctuation_goes_inside_quotation_marks_and_merges(style, title, expected):
    item = {
        "id": "x",
        "type": "article-newspaper",
        "title": title,
        "container-title": "Daily",
        "issued": {"date-parts": [[2023, 11, 1]]},
    }

    assert format_bibliography([item], style) == [expected]
