"""The web processes as deployed: gunicorn started with config/gunicorn.conf.py, the command docker-compose.yml runs.

The settings are the ones the load bench measured (docs/operations.md): gthread workers,
one per core as ``WEB_WORKERS`` says, the app preloaded. A real gunicorn serves the
health check here, so a setting gunicorn does not know, or a file it cannot read,
fails this test rather than a deployment.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO_ROOT

CONFIG = "config/gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthz(port: int, *, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_docker_compose_runs_gunicorn_with_the_measured_configuration():
    compose = (REPO_ROOT / "docker-compose.yml").read_text()
    assert f"gunicorn --config {CONFIG} --bind 0.0.0.0:8000 config.wsgi:application" in compose


def test_gunicorn_serves_with_the_configured_gthread_workers(tmp_path: Path):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "WEB_WORKERS": "2", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", CONFIG, "--bind", f"127.0.0.1:{port}", "config.wsgi:application"],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        assert _healthz(port, seconds=90) == 200
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Using worker: gthread" in text, text
    assert len(children) == 2 and text.count("Booting worker") == 2, text
