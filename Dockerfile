# Puente's production image: the runtime set from requirements.lock (hashes checked), no compilers or
# build tools in the final stage, run as an unprivileged user. compose.yaml runs it behind nginx.
#   docker build -t puente .

# --- build: the virtual environment, from wheels only ---------------------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/requirements.lock

# --- the image ------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    STATIC_ROOT=/srv/puente/staticfiles
RUN useradd --system --create-home --home-dir /home/puente --uid 10001 puente
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/puente
COPY --chown=root:root . .
# Static files are collected into the image too (a `docker run` serves them through WhiteNoise); compose
# collects them into the volume nginx serves, so the folder belongs to the user that writes there.
RUN DJANGO_DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input -v0 && chown -R puente /srv/puente/staticfiles
USER puente
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The README's production command (tests/test_container_recipe.py checks that they stay the same).
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets-sansio", "--loop", "uvloop", "--http", "httptools", "--lifespan", "on", "--no-access-log", "--proxy-headers"]
