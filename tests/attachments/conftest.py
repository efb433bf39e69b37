import pytest


@pytest.fixture
def general(coffee):
    from messaging.services import room_general_for_cluster

    return room_general_for_cluster(cluster=coffee)
