"""Shared personas and data for the Django tests.

Personas: ``owner`` (a learner who owns a private deck and has studied it),
``other_learner`` and ``instructor`` (an instructor who does not own the deck):
the last two are strangers to the owner's private deck and study history.
"""

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client

from apps.accounts import roles
from apps.accounts.services import api_token_create, user_role_add
from apps.cards.models import Deck
from apps.cards.services import card_create, deck_create

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users: a fast hasher keeps them quick (production keeps PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def cache_keys_of_this_test():
    """Sign-in rate limits and used two-factor codes live in the cache, which outlives a test (and, on Redis,
    the run): each test writes and reads cache keys of its own version, as if it had a cache to itself."""
    previous = cache.version
    cache.version = uuid.uuid4().hex
    yield
    cache.version = previous


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def scoring_failures_fail_the_test(request):
    """A model that fails while choosing is logged at ERROR and the learner gets an FSRS card instead.

    That fallback must not hide the failure from the tests: any test during which the
    choice fell back fails, unless it asks for ``scoring_failures_expected``.
    """
    handler = _ErrorRecords()
    logger = logging.getLogger("apps.study.policies")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    if handler.records and "scoring_failures_expected" not in request.fixturenames:
        traces = "\n".join(logging.Formatter().format(record) for record in handler.records)
        pytest.fail(f"choosing the next card fell back after a model failure:\n{traces}")


@pytest.fixture
def scoring_failures_expected(scoring_failures_fail_the_test) -> list[logging.LogRecord]:
    """The ERROR records of choices that fell back, for a test that breaks a model on purpose."""
    return scoring_failures_fail_the_test.records


@pytest.fixture
def password() -> str:
    return secrets.token_urlsafe(16)


@pytest.fixture
def make_user(db, password):
    def make(username: str, role: str = roles.LEARNER):
        user = get_user_model().objects.create_user(username=username, password=password)
        user_role_add(user=user, role=role)
        return user

    return make


@pytest.fixture
def make_staff(make_user):
    """make(username, *permissions): a staff account, not a superuser, holding only the named ``app_label.codename`` permissions."""

    def make(username: str, *permissions: str):
        user = make_user(username)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        for permission in permissions:
            app_label, codename = permission.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return get_user_model().objects.get(pk=user.pk)

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner")


@pytest.fixture
def other_learner(make_user):
    return make_user("other-learner")


@pytest.fixture
def instructor(make_user):
    return make_user("instructor", roles.INSTRUCTOR)


def _deck_with_cards(owner, *, title: str, visibility: str, count: int) -> Deck:
    deck = deck_create(owner=owner, title=title, visibility=visibility)
    for index in range(count):
        card_create(deck=deck, front=f"{title} question {index}", back=f"answer {index}", tags=["demo", f"group-{index % 3}"])
    return deck


@pytest.fixture
def private_deck(owner) -> Deck:
    return _deck_with_cards(owner, title="Owner's private deck", visibility=Deck.Visibility.PRIVATE, count=12)


@pytest.fixture
def public_deck(instructor) -> Deck:
    return _deck_with_cards(instructor, title="Instructor's public deck", visibility=Deck.Visibility.PUBLIC, count=6)


@pytest.fixture
def web_client_for():
    """A browser-like client signed in as the given user."""

    def client_for(user, **client_options) -> Client:
        client = Client(**client_options)
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def api_client_for():
    """A client that sends the given user's bearer token with every request."""

    def client_for(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")

    return client_for


@pytest.fixture
def post_json():
    """POST a JSON body (a dict, or raw text for malformed-body tests)."""

    def post(client: Client, url: str, body) -> object:
        payload = body if isinstance(body, str) else json.dumps(body)
        return client.post(url, payload, content_type="application/json")

    return post


def worker_database_url() -> str:
    """The URL of the database this test runs against, for a worker process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A ``celery -A config worker`` process consuming a queue of its own, against the test database.

    The broker is the configured one (Redis when ``REDIS_URL`` is set, else the filesystem
    broker). The solo pool runs tasks in the worker process itself and ignores time
    limits; the prefork pool (one child) enforces them. ``env`` adds settings; ``queue``
    makes a worker that replaces another consume the same queue.
    """

    def __init__(self, *, pool: str = "solo", env: dict | None = None, queue: str | None = None) -> None:
        self.queue = queue or f"test-{uuid.uuid4().hex}"
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "PYTHONPATH": str(REPO_ROOT),
            "MNEMO_EMBED_CARDS_ON_SAVE": "false",
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--concurrency=1", "--queues", self.queue,
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=warning",
        ]
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def output(self) -> str:
        """Everything the worker printed (waits for it to exit)."""
        return self.process.communicate(timeout=60)[0].decode(errors="replace")

    def stop(self) -> None:
        """Warm shutdown (SIGTERM); a worker still busy with a task after 30 s is killed rather than waited for."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        output = self.output() if self.process.stdout and not self.process.stdout.closed else ""
        if self.process.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
            print(output)


@pytest.fixture
def start_worker():
    """start(pool=..., env=...) starts a real worker process (as many as the test asks for); all are stopped afterwards.

    Tests that use it commit their rows (``django_db(transaction=True)``) so the worker sees them.
    """
    workers = []

    def start(**options) -> Worker:
        workers.append(Worker(**options))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A ``redis-server`` of the test's own on a free loopback port, without persistence: stopping it loses its messages."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    """A started ``RedisServer`` (``stop()`` and ``start()`` it again to simulate an outage); stopped afterwards."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_broker():
    """use(url) points this process's Celery app (what the web process publishes with) at another broker until the test ends."""
    from kombu import pools

    from config.celery import app

    original = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_connections() -> None:
        pools.reset()  # closes and forgets every pooled connection and producer
        app._pool = None
        app.amqp._producer_pool = None

    def use(url: str) -> None:
        reset_connections()
        app.conf.broker_url = url
        app.conf.broker_transport_options = {"socket_connect_timeout": 2}

    yield use
    reset_connections()
    app.conf.broker_url, app.conf.broker_transport_options = original


WORKER_WAIT_SECONDS = 420


def wait_for_worker(condition, what: str, worker: Worker, *, seconds: float = WORKER_WAIT_SECONDS):
    """Poll ``condition`` until it returns something true, and return that; fail at once if the worker process dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert worker.process.poll() is None, f"the worker exited while waiting for {what}: {worker.output()}"
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def set_preset():
    """set_preset(deck, **values): change the preset the deck uses (its owner's Default unless chosen otherwise)."""
    from apps.study.presets import deck_preset

    def set_values(deck: Deck, **values):
        preset = deck_preset(deck)
        for name, value in values.items():
            setattr(preset, name, value)
        preset.save()
        return preset

    return set_values
