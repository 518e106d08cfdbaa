"""The library never imports Django: every module of ``knowledge_tracing`` loads in a fresh interpreter without it."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
import knowledge_tracing
names = [m.name for m in pkgutil.walk_packages(knowledge_tracing.__path__, "knowledge_tracing.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(len(names), sorted(module for module in sys.modules if module == "django" or module.startswith("django.")))
"""


def test_every_library_module_imports_without_django():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    count, django_modules = result.stdout.strip().split(" ", 1)
    assert int(count) > 60  # the walk found the package's modules, not an empty path
    assert django_modules == "[]"
