"""Intake: a document (an HTML page, a PDF, pasted text) becomes a proposed Source.

Read top-down:
- proposal.py: `propose()` and `accept()`, the service the command (and later the
  admin page) calls; the Proposal it returns and what `--json` prints;
- extract.py: title, authors, date and time, site name, language and main text without
  boilerplate, from HTML (trafilatura), PDF (pypdf) or plain text;
- signatures.py: word shingles, MinHash signatures and their LSH bands, stored in
  SourceSignatureBand and kept current when a source's text changes;
- compare.py: the alignment of a new text with a stored one, the shared passages, the
  two containment scores, and the rule that names the derivation.

Intake knows nothing of claims.
"""

from sources.intake.extract import ExtractionError
from sources.intake.proposal import Proposal, accept, propose

__all__ = ["ExtractionError", "Proposal", "accept", "propose"]
