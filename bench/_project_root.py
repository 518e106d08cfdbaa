"""Puts the project root first on ``sys.path``, so every bench runs as ``.venv/bin/python bench/NAME.py``.

Python puts the script's own folder (``bench/``) on the path, not the project root,
so a bench could not import ``knowledge_tracing``, ``apps`` or ``config`` without
``PYTHONPATH=.``. Each bench imports this module before anything of the project's.
"""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
