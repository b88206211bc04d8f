"""The demo topic's bibliography imports cleanly into a reference manager: pandoc's own
citeproc (Debian's pandoc) reads the BibTeX and the CSL-JSON exports and renders every
seed source from them."""

import shutil
import subprocess

import pytest

from tests.export_world import AP_TITLE, AP_URL, TOPIC
from tests.factories import make_claim, make_claim_citation, make_source

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pandoc") is None, reason="pandoc is not installed: apt-get install pandoc (.ci/run does)"
    ),
]

PANDOC = shutil.which("pandoc")
DOCUMENT = "---\nnocite: '@*'\n---\n\n# References\n"


def render_with_pandoc(tmp_path, name: str, content: bytes, to="plain") -> str:
    bibliography = tmp_path / name
    bibliography.write_bytes(content)
    document = tmp_path / "references.md"
    document.write_text(DOCUMENT)
    result = subprocess.run(  # noqa: S603 (fixed arguments, files we wrote)
        [PANDOC, str(document), "--citeproc", "--bibliography", str(bibliography), "--wrap=none", "-t", to],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "[WARNING]" not in result.stderr, result.stderr
    return result.stdout


@pytest.mark.parametrize(("name", "export"), [("topic.bib", "sources.bib"), ("topic.json", "sources.csl.json")])
def test_pandoc_citeproc_renders_the_demo_topic_bibliography(client, tmp_path, name, export, export_demo):
    content = client.get(f"/topics/{TOPIC}/{export}").content

    text = render_with_pandoc(tmp_path, name, content)

    entries = [line for line in text.splitlines() if line.strip() and line != "References"]
    assert len(entries) == 3, text
    ap = next(line for line in entries if line.startswith("Associated Press. 2023."))
    assert "South Korea’s Spy Agency Says North Korea Shipped More Than a Million Artillery Shells" in ap
    assert "November 1, 2023" in ap and AP_URL in ap
    assert any("Russia Likely Being Supplied with Array of Missiles" in line and "2023" in line for line in entries)
    assert any(line.startswith("Ascend Finance Compass. 2025.") for line in entries)


def test_pandoc_reads_the_same_entries_from_bibtex_and_csl_json(client, tmp_path, export_demo):
    bib = render_with_pandoc(tmp_path, "t.bib", client.get(f"/topics/{TOPIC}/sources.bib").content, to="html")
    csl = render_with_pandoc(tmp_path, "t.json", client.get(f"/topics/{TOPIC}/sources.csl.json").content, to="html")

    assert AP_TITLE.split(" says ")[0].replace("spy agency", "Spy Agency") in bib
    assert bib.count('class="csl-entry"') == csl.count('class="csl-entry"') == 3


@pytest.mark.parametrize(("name", "export"), [("dates.bib", "sources.bib"), ("dates.json", "sources.csl.json")])
def test_pandoc_reads_every_form_of_date(client, tmp_path, name, export):
    claim = make_claim()
    forms = ["2023-11-01", "2023-08", "2023", "2022-06~", "2023-10-19/2023-10-25", "2022/..", "[..2023-10-25]"]
    for n, edtf in enumerate(forms):
        make_claim_citation(claim=claim, source=make_source(slug=f"dated-{n}", title=f"Story {n}", published=edtf))

    text = render_with_pandoc(tmp_path, name, client.get(claim.get_absolute_url() + export).content)

    entries = [line for line in text.splitlines() if line.strip() and line != "References"]
    assert len(entries) == len(forms), text
    assert "October 19–25, 2023" in text and "June 2022" in text and "November 1, 2023" in text
    if export.endswith("json"):
        assert "on or before 25 October 2023" in text and "since 2022" in text
