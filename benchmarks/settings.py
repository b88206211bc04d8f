"""Settings for `make bench` (benchmarks/scale.py): the production settings, plus a
response header X-Query-Count with the number of SQL queries the request ran."""

from config.settings import *  # noqa: F403

MIDDLEWARE = ["benchmarks.query_count.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
