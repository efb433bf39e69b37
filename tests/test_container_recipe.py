"""The container recipe runs what the README documents. Nothing is built here (there is no Docker
daemon in CI): the Dockerfile's and compose.yaml's commands are read and compared with the README's
production commands, which tests/messaging/test_behind_nginx.py and .ci/run run for real."""

import json
import re

from tests.servers import ROOT, documented_commands

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = (ROOT / "compose.yaml").read_text()


def readme(first_word: str) -> list[list[str]]:
    return [words for words in documented_commands() if words[0] == first_word]


def compose_services() -> dict[str, dict]:
    """Each service's command (compose.yaml writes them as JSON lists) and the lines of its block."""
    services, current = {}, None
    body = COMPOSE[COMPOSE.index("\nservices:\n"):]
    for line in body.splitlines()[2:]:
        if re.match(r"^\S", line):
            break
        name = re.match(r"^  ([\w-]+):\s*$", line)
        if name:
            current = services[name.group(1)] = {"command": None, "lines": []}
            continue
        if current is not None:
            current["lines"].append(line.strip())
            command = re.match(r"^\s+command: (\[.*\])\s*$", line)
            if command:
                current["command"] = json.loads(command.group(1))
    return services


def final_stage() -> str:
    return DOCKERFILE[DOCKERFILE.rindex("\nFROM "):]


def test_the_image_runs_the_readmes_server_command_on_its_own_address():
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE).group(1))
    (documented, *_) = readme("uvicorn")
    expected = list(documented)
    expected[expected.index("--host") + 1] = "0.0.0.0"  # a container listens on its own interface
    expected[expected.index("--port") + 1] = "8000"
    assert cmd == expected


def test_the_image_installs_the_lock_with_hashes_and_runs_as_an_unprivileged_user_without_build_tools():
    assert "pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/requirements.lock" in DOCKERFILE
    assert DOCKERFILE.count("\nFROM ") == 2  # built in one stage, run from another
    final = final_stage()
    assert re.search(r"^USER puente$", final, re.MULTILINE)
    for tool in ("apt-get", "gcc", "build-essential", "pip install"):
        assert tool not in final, f"{tool} in the final image"


def test_compose_runs_postgresql_redis_two_app_processes_and_nginx_with_the_deploy_config():
    services = compose_services()
    assert {"db", "redis", "migrate", "collectstatic", "app1", "app2", "nginx"} <= set(services)
    assert "- ./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["lines"]


def test_compose_runs_the_readmes_commands_exactly():
    services = compose_services()
    assert [services["app1"]["command"], services["app2"]["command"]] == readme("uvicorn")
    python_commands = [["python", *words[1:]] for words in readme("python")]
    assert [services["migrate"]["command"], services["collectstatic"]["command"]] == python_commands


def test_the_readme_installs_the_lock_that_make_and_the_image_install():
    (install,) = [words for words in documented_commands() if "install" in words]
    assert install[-2:] == ["-r", "requirements.lock"] and "--require-hashes" in install
    assert "requirements.lock" in (ROOT / "Makefile").read_text()


def test_the_deployment_guide_points_at_the_one_nginx_configuration():
    guide = (ROOT / "docs" / "DEPLOY.md").read_text()
    assert "deploy/nginx.conf" in guide
    assert "```nginx" not in guide and "upstream puente" not in guide  # no second copy to drift
