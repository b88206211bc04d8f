"""Fixtures shared by the suite: staff users of each curation group, logged in; and the
demo data, imported once per test module."""

import pytest
from django.db import transaction

from tests.export_world import add_addresses, import_demo
from tests.factories import make_user


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


def pytest_configure(config):
    # Registered by pytest-xdist too; here as well for a run without it (-p no:xdist).
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one pytest-xdist worker")


def uses_module_fixture(item) -> bool:
    """Whether the test uses a fixture set up once per module (the demo data, a server)."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    return any(defs and defs[-1].scope in ("module", "package") for defs in definitions.values())


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items):
    """Within each module, the tests that use the module's demo data run last (in their
    own order otherwise), so the module transaction opens after the other tests ran and
    they never see the demo. A stable sort: the order of the modules does not change.

    Under `make test` (pytest-xdist, --dist loadgroup) the tests that share a module
    fixture go to one worker together, so it is set up once, not once per worker; the
    others are spread one by one."""

    def module(item) -> str:
        return item.nodeid.split("::", 1)[0]

    order = {}
    for item in items:
        order.setdefault(module(item), len(order))
    items.sort(key=lambda item: (order[module(item)], "demo_module" in getattr(item, "fixturenames", ())))
    for item in items:
        if uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(module(item)))
