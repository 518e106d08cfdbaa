"""A Django process that does not train or score loads neither PyTorch nor the encoder nor scikit-learn.

Those libraries cost some 330 MB of resident memory at start-up; a web process, a
data export or a deck import must not pay it. The check runs in a fresh interpreter,
since the test process itself has long imported them.
"""

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

HEAVY_LIBRARIES = ["torch", "sentence_transformers", "transformers", "sklearn"]

START_UP = f"""
import json, sys
import django
django.setup()
import config.urls  # every view module, as the first request loads them
from config.celery import app
app.loader.import_default_modules()  # every tasks.py, as a worker loads them
from knowledge_tracing.models import MODEL_REGISTRY
listed = sorted(MODEL_REGISTRY)
print(json.dumps({{"loaded": [name for name in {HEAVY_LIBRARIES!r} if name in sys.modules], "listed": listed}}))
"""


def test_starting_the_web_app_and_the_worker_loads_no_model_library():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", START_UP], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=True,
    )
    started = json.loads(result.stdout.strip().splitlines()[-1])
    assert started["loaded"] == []
    assert {"cakt", "dkt", "karl", "fsrs6", "hlr"} <= set(started["listed"])


def test_looking_up_a_model_imports_its_module():
    lookup = "import sys; from knowledge_tracing.models import create_model; model = create_model('dkt'); print(model.name, 'torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", lookup], cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert result.stdout.split() == ["dkt", "True"]
