"""The load benches' processes: gunicorn as deployed, a redis-server, Celery worker and beat of their own; started, watched, stopped.

Used by ``study_load.py`` and ``soak.py``. Every process writes its output to
``log_dir``/NAME.log and is stopped (terminate, then kill) when the bench ends.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

from _project_root import REPO_ROOT

LOG_DIR = REPO_ROOT / "var" / "bench-study-load"
PYTHON = str(REPO_ROOT / ".venv" / "bin" / "python")


class Service:
    """A process the bench started (output to ``log_dir``/NAME.log, var/bench-study-load/ unless told), stopped at the end."""

    def __init__(self, name: str, command: list[str], env: dict, *, log_dir: Path = LOG_DIR) -> None:
        self.name, self.command, self.env, self.log_dir = name, command, env, log_dir
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        log = open(self.log_dir / f"{self.name}.log", "ab")
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes so far (from /proc; a process gone since counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_for_children(service: Service, count: int, seconds: float = 120.0) -> None:
    """Until the service has forked its ``count`` workers (gunicorn listens before --preload forks them)."""
    deadline = time.monotonic() + seconds
    while len(service.children()) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def wait_for_port(port: int, seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} within {seconds} s (see {LOG_DIR})")



def start_gunicorn(env: dict, *, port: int, workers: int, threads: int, log_dir: Path = LOG_DIR) -> Service:
    """Gunicorn as deployed (``config/gunicorn.conf.py``), with ``workers`` and ``threads``; once it listens and has forked its workers."""
    web = Service("gunicorn", [
        PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "config.wsgi:application",
    ], env, log_dir=log_dir).start()
    try:
        wait_for_port(port)
        wait_for_children(web, workers)
    except BaseException:
        web.stop()
        raise
    return web


def start_celery(env: dict, *, redis_port: int, log_dir: Path = LOG_DIR) -> tuple[Service, Service, Service]:
    """A redis-server of the bench's own (no persistence), a Celery worker (prefork, one child) and beat against it."""
    redis = Service("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"], env, log_dir=log_dir).start()
    try:
        wait_for_port(redis_port)
    except BaseException:
        redis.stop()
        raise
    worker = Service("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "--loglevel=info"], env, log_dir=log_dir).start()
    beat = Service("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel=info", "--schedule", str(log_dir / "beat-schedule")], env, log_dir=log_dir).start()
    return redis, worker, beat


def service_env(database_url: str, redis_url: str | None) -> dict:
    env = {
        **os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "WARNING",
        "MNEMO_EMBED_CARDS_ON_SAVE": "false", "PYTHONPATH": str(REPO_ROOT),
        # Faults are minutes apart, not hours: recover dead training attempts and lost messages quickly.
        "MNEMO_TRAINING_STALE_SECONDS": "30", "MNEMO_OUTBOX_RESEND_MINUTES": "1", "MNEMO_OUTBOX_SEND_GRACE_SECONDS": "5",
        "MNEMO_TRAINING_MIN_LOGS": "200",
        # Each thread keeps its PostgreSQL connection for the whole run, so the backends
        # whose CPU is counted (database_backends) are the ones that serve it.
        "DATABASE_CONN_MAX_AGE": "600",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def database_backends(database: str) -> list[int]:
    """Process ids of the PostgreSQL backends serving ``database`` (gunicorn's threads keep theirs: CONN_MAX_AGE).

    Their CPU is read from /proc (``cpu_seconds``), so it counts only when the server
    runs on this machine, as it does for the bench; a backend opened after this call is
    not counted. Import after ``django.setup()``.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        return [row[0] for row in cursor.fetchall()]
