import pytest

from messaging import presence


@pytest.fixture(autouse=True)
def _fresh_presence_and_cache():
    from django.core.cache import cache

    presence.reset_local()
    cache.clear()
    yield
    presence.reset_local()


@pytest.fixture
def general(coffee):
    from messaging.services import room_general_for_cluster

    return room_general_for_cluster(cluster=coffee)
