"""The read-only JSON API (/api/), described by the OpenAPI schema at /api/schema/."""
