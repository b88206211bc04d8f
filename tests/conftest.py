"""Fixtures shared by the suite: staff users of each curation group, logged in."""

import pytest

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
