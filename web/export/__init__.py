"""Exports: citations of the sources behind claims (BibTeX, RIS, CSL-JSON and formatted
bibliographies), "cite this claim", and data twins of the claims pages (CSV, JSON,
NDJSON). See README, "Exports and API"."""
