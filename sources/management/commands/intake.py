import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from sources.intake import ExtractionError, accept, propose
from sources.intake.fetch import FetchError, fetch

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "text"}


class Command(BaseCommand):
    help = (
        "Propose a Source from a document: an http(s) address, an .html/.htm page, a .pdf or a .txt file, or "
        "'-' for text on stdin. Prints the fields, the outlet matched by domain, the stored sources it republishes, "
        "summarises or quotes (with scores and passages) and flags. Writes nothing without --save."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="An http:// or https:// address, a local .html, .htm, .pdf or .txt file, or - for stdin."
        )
        parser.add_argument("--url", default="", help="The document's address, when known (outlet and Source URL).")
        parser.add_argument("--json", action="store_true", help="Print the proposal as JSON.")
        parser.add_argument(
            "--save", action="store_true", help="Write the outlet if new, the source and its derivations."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, path, url, json: bool, save, database, **options):
        raw, format, fetched_from = self.read(path)
        url = url or fetched_from
        if url and not url.lower().startswith(("http://", "https://")):
            raise CommandError(f"--url {url!r}: give an http:// or https:// address.")
        try:
            proposal = propose(raw, format=format, url=url, using=database)
        except ExtractionError as exc:
            raise CommandError(f"{path}: {exc}") from None
        if json:
            self.print_json(proposal.as_dict())
        else:
            self.print_summary(proposal)
        if save:
            try:
                outlet, source, derivations = accept(proposal, using=database)
            except ValidationError as exc:
                raise CommandError(f"{path}: nothing was saved. {'; '.join(_messages(exc))}") from None
            except DatabaseError as exc:
                raise CommandError(f"{path}: nothing was saved, the database refused it: {exc}") from None
            wrote = [f"source {source.slug!r} (id {source.pk})"]
            if proposal.outlet and proposal.outlet.is_new:
                wrote.insert(0, f"outlet {outlet.slug!r} (id {outlet.pk})")
            wrote += [f"derivation: {d.kind} {d.derived_from.slug!r}" for d in derivations]
            (self.stderr if json else self.stdout).write(self.style.SUCCESS("Saved " + "; ".join(wrote) + "."))

    def read(self, path: str) -> tuple[bytes, str, str]:
        """The document's bytes, its format, and the address it was fetched from (after
        redirects) when `path` is one: fetched here, with the intake page's checks."""
        limit = settings.INTAKE_FETCH_MAX_BYTES
        if "://" in path:
            try:
                fetched = fetch(path)
            except FetchError as exc:
                raise CommandError(str(exc)) from None
            return fetched.content, fetched.format, fetched.url
        if path == "-":
            raw = sys.stdin.buffer.read(limit + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
            return self.within_limit(path, raw), "text", ""
        file = Path(path)
        format = FORMATS.get(file.suffix.lower())
        if format is None:
            raise CommandError(f"{path}: give an .html, .htm, .pdf or .txt file, or - for text on stdin.")
        try:
            with file.open("rb") as opened:
                return self.within_limit(path, opened.read(limit + 1)), format, ""
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror}).") from None

    @staticmethod
    def within_limit(path: str, raw: bytes) -> bytes:
        limit = settings.INTAKE_FETCH_MAX_BYTES
        if len(raw) > limit:
            raise CommandError(f"{path}: larger than {limit:,} bytes, the most intake reads (INTAKE_FETCH_MAX_BYTES).")
        return raw

    def print_json(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def print_summary(self, proposal) -> None:
        s, out = proposal.source, self.stdout
        out.write(f"{s['title']}")
        out.write(f"  slug {s['slug']}, kind {s['kind']}, language {s['language']}, published {s['published'] or '-'}")
        out.write(f"  url {s['url'] or '-'}")
        out.write(f"  authors {', '.join(s['authors'].splitlines()) or '-'}")
        if proposal.outlet:
            o = proposal.outlet
            state = "new" if o.is_new else f"matched, id {o.id}"
            out.write(f"  outlet {o.name} ({o.domain}; {state})")
        else:
            out.write("  outlet - (no address: an unpublished document)")
        out.write(f"  text {len(s['text'].split()):,} words, file SHA-256 {s['raw_sha256']}")
        for d in proposal.derivations:
            out.write(
                f"{d.kind} {d.derived_from_slug} (score {d.score:.2f}; new in stored {d.new_in_stored:.2f}, "
                f"stored in new {d.stored_in_new:.2f}; {len(d.passages)} passages)"
            )
            for p in d.passages[:3]:
                out.write(f"  “{_shorten(p.text)}”")
        if not proposal.derivations:
            out.write("derives from no stored source")
        for flag in proposal.flags:
            out.write(f"flag {flag.code}: {flag.message}")


def _shorten(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{f}: {m}" for f, errors in exc.message_dict.items() for m in errors]
    return exc.messages
