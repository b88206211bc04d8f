"""Fixtures shared by the suite: staff users of each curation group, logged in; and the
demo data, imported once per test module."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.export_world import add_addresses, import_demo
from tests.factories import make_user


@pytest.fixture
def groups(transactional_db):
    """The curation groups, made again: a test in a real transaction starts from a
    database another such test may have emptied (groups come from a migration)."""
    migration = importlib.import_module("claims.migrations.0002_groups")
    state_apps = MigrationExecutor(connection).loader.project_state(("claims", "0002_groups")).apps
    migration.create_groups(state_apps, SimpleNamespace(connection=connection))


@pytest.fixture
def analyst(db, django_user_model):
    return make_user(django_user_model, "analyst", "analyst")


@pytest.fixture
def editor(db, django_user_model):
    return make_user(django_user_model, "editor", "editor")


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# --- the demo data, once per module --------------------------------------------------------
#
# Importing the demo takes about a second and 3,500 queries, so a module imports it once,
# inside a transaction that is rolled back when the module is done. Each test still runs
# in its own savepoint (the `db` fixture nests one in that transaction), so it starts from
# the demo as imported and whatever it changes is undone after it. Tests that need
# committed data (transactional_db, live_server) cannot see it: they load their own.
# The tests of a module that do not ask for the demo run before those that do (see
# pytest_collection_modifyitems below), so they never see it either.


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo data (claims/data/seed_story.yaml), imported once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        import_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def export_demo_module(demo_module, django_db_blocker):
    """The demo data with the addresses a curator would record (tests/export_world.py),
    in the same module transaction."""
    with django_db_blocker.unblock():
        add_addresses()


@pytest.fixture
def demo(demo_module, db):
    """The demo data as imported; this test's changes are rolled back after it."""


@pytest.fixture
def export_demo(export_demo_module, db):
    """The demo data with the AP story's addresses; this test's changes are rolled back."""


# --- the same cases measured at two sizes, the worlds built once -----------------------------
#
# A query-count test builds a small world, measures a page, adds a large world and
# measures the page again. Building the worlds takes nearly all of its time, so a module
# with many such cases (formats, pages) builds them once for all of them: each case is
# measured at each size against the very database the test alone would have had.


class Measured:
    """What measuring one case at one size gave, or what it raised."""

    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    def get(self):
        """The value; the exception the measurement raised is raised here, in the test."""
        if self.error is not None:
            raise self.error
        return self.value


@pytest.fixture(scope="module")
def measure_at_sizes(django_db_setup, django_db_blocker):
    """measure(build, sizes, cases, measure) -> {case: [Measured per size]}.

    For each size in turn, build(size) adds a world (the worlds add up, as in the test
    that builds the small one and then the large one), then measure(world, case) runs
    for every case, each in a savepoint kept unless it raises. All in one transaction,
    rolled back at the end: the tests of the module never see these worlds."""

    def run(build, sizes, cases, measure):
        outcomes = {case: [] for case in cases}
        with django_db_blocker.unblock(), transaction.atomic():
            for size in sizes:
                world = build(size)
                for case in cases:
                    try:
                        with transaction.atomic():
                            outcomes[case].append(Measured(value=measure(world, case)))
                    except Exception as exc:  # raised again by the case's own test
                        outcomes[case].append(Measured(error=exc))
            transaction.set_rollback(True)
        return outcomes

    return run


def pytest_configure(config):
    # Registered by pytest-xdist too; here as well for a run without it (-p no:xdist).
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one pytest-xdist worker")


def uses_module_fixture(item) -> bool:
    """Whether the test uses a fixture set up once per module (the demo data, a server)."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    return any(defs and defs[-1].scope in ("module", "package") for defs in definitions.values())


@pytest.hookimpl(wrapper=True)  # around pytest-xdist, which reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Within each module, the tests that use the module's demo data run last (in their
    own order otherwise), so the module transaction opens after the other tests ran and
    they never see the demo. A stable sort: the order of the modules does not change.

    Under `make test` (pytest-xdist, --dist loadgroup) the tests that share a module
    fixture go to one worker together, so it is set up once, not once per worker; the
    others are spread one by one. A module using the demo goes to one worker whole: a
    worker runs what it is sent in order, so a test of that module sent to the worker
    right after the demo tests would run inside the module's transaction and see the demo."""

    def module(item) -> str:
        return item.nodeid.split("::", 1)[0]

    def uses_demo(item) -> bool:
        return "demo_module" in getattr(item, "fixturenames", ())

    order = {}
    for item in items:
        order.setdefault(module(item), len(order))
    items.sort(key=lambda item: (order[module(item)], uses_demo(item)))
    demo_modules = {module(item) for item in items if uses_demo(item)}
    for item in items:
        if module(item) in demo_modules or uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(module(item)))
    yield
    if config.getoption("loadgroup", default=False):
        fix_group_ids(items)
        # The groups first, so a group of one long test (the URL fuzzing, on PostgreSQL)
        # does not start last and leave the other workers idle. pytest-xdist sends the
        # groups of many tests first anyway; each group keeps the order of its tests.
        items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


def fix_group_ids(items):
    """pytest-xdist 3.8 tells the controller a test's group by appending "@group" to the
    test's id through the `_nodeid` attribute, which pytest 9.2 no longer reads (it keeps
    the id in `_id`): the suffix was lost and --dist loadgroup silently spread each group
    over every worker, each setting the module fixture up again (pytest-xdist issue
    #1386). Put the suffixed id where pytest reads it; a no-op once xdist does it."""
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if isinstance(grouped, str) and grouped != item.nodeid and hasattr(item, "_id"):
            item._id = type(item._id).parse(grouped)
