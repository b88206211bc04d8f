# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
DEMO   := claims/data/seed_story.yaml
CITEPROC_JS := tools/citeproc

.PHONY: install run serve test lint format check ci bench bench-smoke

install: $(VENV)/.installed $(CITEPROC_JS)/node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.12 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 12) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# citeproc-js (Zotero's CSL processor), which tests/test_citeproc_js.py compares our
# bibliographies with, pinned by its package-lock.json. Without npm that test is skipped.
$(CITEPROC_JS)/node_modules/.installed: $(CITEPROC_JS)/package.json $(CITEPROC_JS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(CITEPROC_JS) --no-audit --no-fund --loglevel=error >/dev/null && touch $@; \
	else \
		echo "npm is not installed, so neither is citeproc-js: tests/test_citeproc_js.py needs nodejs and npm"; \
	fi

# The development way: DEBUG=1 for every command of the recipe (manage.py itself reads
# DEBUG from the environment only, off by default; create_demo_users needs DEBUG=1).
run: export DEBUG = 1
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_claims --if-missing $(DEMO)
	$(BIN)/python manage.py create_demo_users
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production way: migrate, collectstatic, gunicorn with DEBUG off (bin/serve, README "Operating").
serve: install
	PORT=$(PORT) bin/serve

# PYTHONDONTWRITEBYTECODE unset for the suite: pytest then keeps the assertion-rewritten
# test and plugin modules in __pycache__ (git-ignored) instead of rewriting some 280 of
# them again in every worker of every run, seconds each.
test: export PYTHONDONTWRITEBYTECODE =
test: install
	$(BIN)/pytest -n auto --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Checks the code, not a deployment (`check --deploy` does, README "Operating"): DEBUG=1,
# so it needs no SECRET_KEY.
check: export DEBUG = 1
check: install
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

ci: lint check test

# The scale benchmark (benchmarks/scale.py, docs/performance.md): a synthetic corpus of
# BENCH_CLAIMS claims in PostgreSQL database claims_bench_<N>, served by gunicorn, against
# Datasette. bench-smoke (CI): 10,000 claims, a few requests a case; fails only on errors.
BENCH_CLAIMS ?= 100000
bench: install
	$(BIN)/python benchmarks/scale.py --claims $(BENCH_CLAIMS)

bench-smoke: install
	$(BIN)/python benchmarks/scale.py --claims 10000 --smoke
