"""The load benches' simulated learners: each one a thread with a keep-alive connection, answering through the JSON API.

A learner gets a card (``GET /api/v1/decks/<deck>/next``) and answers it through
``POST /api/v1/answers``, whose response carries the next card. A request that fails for
want of a connection or with a 5xx is retried with the same ``log_uuid`` (the API stores
an answer once); ``Tally.errors`` counts requests that still failed after
``REQUEST_TRIES`` tries.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

REQUEST_TRIES = 3


@dataclass
class Tally:
    """What the learners saw; shared by their threads (appends are atomic under the GIL)."""

    latencies_ms: list[float] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    retries: int = 0


class Learner:
    """One learner's keep-alive connection and the card it was last shown."""

    def __init__(self, token: str, deck: str, port: int, tally: Tally) -> None:
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.deck, self.port, self.tally = deck, port, tally
        self.connection: http.client.HTTPConnection | None = None
        self.shown: dict | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> dict | None:
        """The decoded JSON of a 2xx answer, retried on a lost connection or a 5xx; None (an error) after the last try."""
        payload = json.dumps(body) if body is not None else None
        for attempt in range(REQUEST_TRIES):
            if attempt:
                self.tally.retries += 1
                time.sleep(0.2 * attempt)
            started = time.perf_counter()
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.connection.request(method, path, body=payload, headers=self.headers)
                response = self.connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.connection = None
                reason = f"{method} {path}: {type(error).__name__}"
                continue
            self.tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            if response.status < 300:
                return json.loads(data)
            reason = f"{method} {path}: HTTP {response.status} {data[:200]!r}"
            if response.status < 500:
                break
        self.tally.errors.append(reason)
        return None

    def answer(self) -> None:
        if self.shown is None or self.shown.get("card") is None:
            self.shown = self.request("GET", f"/api/v1/decks/{self.deck}/next")
            return
        log_uuid = str(uuid.uuid4())
        body = {
            "log_uuid": log_uuid, "card": self.shown["card"]["id"], "shown_id": self.shown["shown_id"],
            "grade": random.choice((1, 3, 3, 3, 4)), "response_ms": random.randint(800, 9000),
        }
        reply = self.request("POST", "/api/v1/answers", body)
        if reply is not None:
            self.tally.acknowledged.add(reply["log"]["log_uuid"])
        self.shown = reply["next"] if reply else None


def run_learners(tokens: list[str], deck: str, port: int, *, seconds: float, think: float, tally: Tally | None = None) -> Tally:
    """Each token's learner studies for ``seconds``; what they saw goes into ``tally`` (a new one unless given, so a caller can watch it grow)."""
    tally = Tally() if tally is None else tally
    stop_at = time.monotonic() + seconds

    def study(token: str) -> None:
        learner = Learner(token, deck, port, tally)
        if think:
            time.sleep(random.uniform(0, think))  # arrivals spread over one think time
        while time.monotonic() < stop_at:
            learner.answer()
            if think:
                time.sleep(min(random.uniform(0.5, 1.5) * think, max(0.0, stop_at - time.monotonic())))

    threads = [threading.Thread(target=study, args=(token,), daemon=True) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def latency_percentiles(latencies_ms: list[float]) -> dict:
    """p50, p95 and p99 as every bench computes them (numpy's linear interpolation); None without requests."""
    import numpy as np

    figures = np.percentile(latencies_ms, [50, 95, 99]) if latencies_ms else [None] * 3
    return {name: None if value is None else round(float(value), 1) for name, value in zip(("p50_ms", "p95_ms", "p99_ms"), figures)}
