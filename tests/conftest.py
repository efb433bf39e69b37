"""Shared fixtures: the personas every test can call by name.

- ana: an aspirant from Honduras, active member of the coffee cluster
- mateo: a mentor from Colombia, active mentor in the coffee cluster
- lucia: the coffee cluster's facilitator
- rafael: staff of the export-promotion agency that sponsors the coffee cluster
- otto: member of the seafood cluster only (an outsider to coffee)
- nadie: signed up, onboarded, in no cluster and no firm
"""


import os

import pytest
from django.utils import timezone

from clusters.models import Agency, Cluster, ClusterMembership, Firm, FirmMember, Sector, User
from tests.e2e.support import browser, live_site, shots  # noqa: F401  (one browser and one server per run)
from tests.support import IN_CI, delete_redis_keys, need  # noqa: F401


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, which must also go at the end on PostgreSQL: the connections that
    worker threads of async tests opened and never gave back (idle sessions) made Django's DROP
    DATABASE fail, and the database stayed behind. They are ended first."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's sync API leaves an event loop running in the main thread for
    the rest of the session, and an async test after it cannot start its own ("Runner.run() cannot be
    called from a running event loop"). pytest-django orders by database use before this runs; the sort
    is stable, so its order holds within each part."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session", autouse=True)
def _redis_keys_deleted_after_the_run():
    """The run's keys in the configured Redis database (under REDIS_KEY_PREFIX) are deleted at the end,
    also after Ctrl-C; and at the start, in case an earlier run was killed before its end."""
    from django.conf import settings

    # The servers that tests start (their environment has no PYTEST_* variables) write under the same keys.
    os.environ["REDIS_KEY_PREFIX"] = settings.REDIS_KEY_PREFIX
    if not settings.REDIS_URL:
        yield
        return
    delete_redis_keys(settings.REDIS_URL, settings.REDIS_KEY_PREFIX)
    yield
    delete_redis_keys(settings.REDIS_URL, settings.REDIS_KEY_PREFIX)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is slow by design; tests make many people and need no protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _caches_start_empty():
    """Every kept value (infra.cache) is on in tests, as in production; each test starts with empty
    caches, since ids start again in every test's database."""
    from django.core.cache import caches

    for alias in ("default", "fragments"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _rate_limits_counted_afresh(monkeypatch):
    # Rate limits count in the cache (infra.ratelimit), which outlives a test (and Redis a run), while
    # person ids repeat from test to test: each test counts under keys of its own.
    import uuid

    from infra import ratelimit

    monkeypatch.setattr(ratelimit, "KEY_PREFIX", f"puente:rate:{uuid.uuid4().hex[:12]}")


@pytest.fixture
def no_rate_limits(settings):
    """For a test that acts through the services faster than any person may (building its data, racing
    threads): limits no one reaches, in every thread; the counting itself still runs."""
    settings.PUENTE_RATE_LIMITS = dict.fromkeys(settings.PUENTE_RATE_LIMITS, (10**9, 10))


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path_factory):
    # Uploaded files go to a folder of this test's own, never to the project's media/.
    storages = dict(settings.STORAGES)
    location = tmp_path_factory.mktemp("attachments")
    storages["attachments"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                               "OPTIONS": {"location": str(location), "base_url": None}}
    settings.STORAGES = storages
    settings.PUENTE_ATTACHMENT_ACCEL_REDIRECT = ""


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request by a person who reads Spanish activates Spanish in this thread; start each test afresh.
    from django.utils import translation

    yield
    translation.activate("en")


@pytest.fixture
def postgres_only():
    from django.conf import settings

    need("PostgreSQL", settings.IS_POSTGRES, "set DATABASE_URL=postgres://... to run it")


@pytest.fixture
def redis_only():
    from django.conf import settings

    need("Redis", bool(settings.REDIS_URL), "set REDIS_URL=redis://... to run it")


def make_person(email: str, *, name: str, country: str = "HN", firm: Firm | None = None, **extra) -> User:
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        email=email, password="puente-test-pw", name=name, country=country, language="en",
        onboarded_at=timezone.now(), **extra,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if firm is not None:
        FirmMember.objects.create(firm=firm, user=user, role=FirmMember.Role.OWNER)
    return user


@pytest.fixture
def sector(db):
    return Sector.objects.create(slug="specialty-coffee", name="Specialty coffee", name_es="Café especial",
                                 name_pt="Café especial", hs_chapters=["09"])


@pytest.fixture
def seafood_sector(db):
    return Sector.objects.create(slug="seafood", name="Seafood", name_es="Productos del mar", name_pt="Pescados")


@pytest.fixture
def agency(db):
    return Agency.objects.create(slug="red-exporta", name="Red Exporta", country="PA")


@pytest.fixture
def other_agency(db):
    return Agency.objects.create(slug="otra-agencia", name="Otra Agencia", country="CL")


@pytest.fixture
def coffee(db, sector, agency):
    return Cluster.objects.create(
        sector=sector, slug="cafe", name="Café especial", access=Cluster.Access.APPROVAL,
        countries=["HN", "CO"], languages=["es", "en"], agency=agency,
    )


@pytest.fixture
def seafood(db, seafood_sector, agency):
    return Cluster.objects.create(
        sector=seafood_sector, slug="mar", name="Productos del mar", access=Cluster.Access.OPEN,
        countries=["EC"], languages=["es"], agency=agency,
    )


def activate(user: User, cluster: Cluster, role: str = ClusterMembership.Role.MEMBER) -> ClusterMembership:
    return ClusterMembership.objects.create(
        user=user, cluster=cluster, role=role, status=ClusterMembership.Status.ACTIVE, decided_at=timezone.now()
    )


@pytest.fixture
def ana(db, coffee):
    firm = Firm.objects.create(name="Café Montaña Lenca", country="HN", women_led=True)
    user = make_person("ana@example.org", name="Ana Martínez", country="HN", firm=firm)
    activate(user, coffee)
    return user


@pytest.fixture
def mateo(db, coffee):
    firm = Firm.objects.create(name="Tostadores del Quindío", country="CO", export_stage=Firm.Stage.ESTABLISHED)
    user = make_person("mateo@example.org", name="Mateo Restrepo", country="CO", firm=firm, wants_to_mentor=True)
    activate(user, coffee, ClusterMembership.Role.MENTOR)
    return user


@pytest.fixture
def lucia(db, coffee):
    user = make_person("lucia@example.org", name="Lucía Vargas", country="CR")
    activate(user, coffee, ClusterMembership.Role.FACILITATOR)
    return user


@pytest.fixture
def rafael(db, agency):
    user = make_person("rafael@example.org", name="Rafael Quintero", country="PA")
    agency.staff.add(user)
    return user


@pytest.fixture
def otto(db, seafood):
    firm = Firm.objects.create(name="Mariscos Fonseca", country="NI")
    user = make_person("otto@example.org", name="Otto Salinas", country="NI", firm=firm)
    activate(user, seafood)
    return user


@pytest.fixture
def nadie(db):
    return make_person("nadie@example.org", name="Nadie Outsider", country="MX")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="admin@example.org", password="puente-test-pw", name="Admin",
                                         onboarded_at=timezone.now())


@pytest.fixture
async def fresh_channel_layer():
    """A fresh, empty channel layer for the test's own event loop (channels_redis binds its locks to the
    loop that first used them; Redis keeps groups between tests)."""
    from channels.layers import channel_layers, get_channel_layer

    channel_layers.backends.clear()
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    yield layer
    channel_layers.backends.clear()
