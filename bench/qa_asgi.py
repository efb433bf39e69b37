"""The ASGI application the Q&A bench serves: Puente's own, with bench.qa_urls as the URLconf (the
project's routes plus a trivial view), so Q&A pages and the trivial view share one Daphne process,
its middleware and its database."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "bench.qa_urls"
# No collectstatic in the bench: plain static URLs instead of the manifest (a dict lookup either way).
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

from infra.handlers import get_asgi_application  # noqa: E402

application = get_asgi_application()
