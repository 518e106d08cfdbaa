"""NumPy arrays stored for other processes to read: written whole or not at all.

The per-scope training tables (``table_cache``) and a fanned-out run's table
(``fanout``) are read by other workers while a new one may be written; writing to a
temporary file in the same folder and renaming it over the old one means a reader sees
either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np


def arrays_store(path: Path, *, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` and the JSON ``meta`` at ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, meta=np.array(json.dumps(meta)), **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def arrays_load(path: Path, names) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays ``names`` stored at ``path`` and their meta; OSError, KeyError or ValueError when absent or damaged."""
    with np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in names}, json.loads(str(stored["meta"]))
