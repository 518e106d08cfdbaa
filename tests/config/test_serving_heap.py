"""A served process freezes what start-up made and frees each request's reference cycles when its response is finished.

So no request pays for scanning start-up's objects or for collecting the cycles that ten
earlier requests left (docs/card-browser.md, "One pass and the collector"). The check
runs in a fresh interpreter that loads ``config.wsgi`` as gunicorn does, since freezing
the test process's own objects would change every test after it.
"""

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

SERVE_ONE_REQUEST = """
import gc, json, weakref
from django.core.signals import request_started
from django.test import Client
from django.test.utils import setup_test_environment
import config.wsgi  # loads the application as a server does
frozen = gc.get_freeze_count()
left = []

def leave_a_cycle(**kwargs):
    cycle = {}
    cycle["self"] = cycle
    holder = type("Holder", (), {})()
    holder.cycle = cycle
    holder.me = holder
    left.append(weakref.ref(holder))

request_started.connect(leave_a_cycle)
setup_test_environment()
gc.disable()  # only the collection after the response may free the cycle
status = Client().get("/no-such-page/").status_code
print(json.dumps({"frozen": frozen, "status": status, "cycle_freed": [ref() is None for ref in left]}))
"""


def test_a_served_process_freezes_start_up_and_frees_a_requests_cycles_when_it_finishes():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SERVE_ONE_REQUEST], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=True,
    )
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["frozen"] > 10_000  # Django's, the apps' and their libraries' objects
    assert served["status"] == 404
    assert served["cycle_freed"] == [True]
