"""Real server processes for the tests that need them: free ports, the environment a server gets, the
production command as README.md documents it, and starting and stopping them."""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def database_url(connection) -> str:
    """A URL for the database this test run uses (a server process reads what the test wrote)."""
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}")


def server_environment(**values: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(values)
    return env


def documented_commands(path: Path = ROOT / "README.md") -> list[list[str]]:
    """The shell commands of the README's "Production" section, each split into its words (a line
    that ends in a backslash goes on on the next; a trailing `&` is dropped)."""
    text = path.read_text()
    section = text[text.index("## Production"):]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        for part in line.split("&&"):
            words = shlex.split(part)
            if words and words[-1] == "&":
                words = words[:-1]
            if words and words[0] != "export":
                commands.append(words)
    return commands


def documented_server_command(*, port: int) -> list[str]:
    """The README's uvicorn command, on `port`."""
    command = list(next(words for words in documented_commands() if words[0] == "uvicorn"))
    command[command.index("--port") + 1] = str(port)
    return command


def start(command: list[str], *, env: dict, log, port: int) -> subprocess.Popen:
    """Starts `command` (its first word a Python module's command line: uvicorn, daphne) with this
    Python, and waits until it listens on `port`."""
    process = subprocess.Popen([sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
    except RuntimeError:
        stop([process])
        raise
    return process


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
