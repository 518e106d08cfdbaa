"""Freed heap memory goes back to the system between batches."""

import ctypes.util
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_tracing.memory import LEAN_ALLOCATOR_TUNABLES, release_free_memory

REPOSITORY = Path(__file__).resolve().parents[2]
PRINT_TUNABLES_AFTER_RESTART = (
    "from knowledge_tracing.memory import restart_with_lean_allocator\n"
    "restart_with_lean_allocator()\n"
    "import os, sys\n"
    "print(repr(os.environ.get('GLIBC_TUNABLES')), sys.argv[1:])\n"
)
glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's tunables")


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not ctypes.util.find_library("c"), reason="needs a C library")
def test_freed_small_blocks_are_returned_to_the_system():
    # 200,000 blocks of 1 KB stay in the heap when freed (below the mmap threshold),
    # except the last ones are kept so the heap top cannot simply shrink.
    blocks = [ctypes.create_string_buffer(1024) for _ in range(200_000)]
    keep = ctypes.create_string_buffer(1024)
    del blocks
    before = _resident_mb()
    release_free_memory()
    assert before - _resident_mb() > 50
    assert keep.raw == bytes(1024)


def _run_python(arguments: list[str], **environment: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key != "GLIBC_TUNABLES"}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), base.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, *arguments], env=base | environment, capture_output=True, text=True, timeout=120, check=True
    )


@glibc_only
def test_a_program_restarts_itself_with_the_lean_allocator_and_the_same_arguments():
    result = _run_python(["-c", PRINT_TUNABLES_AFTER_RESTART, "--first", "second"])
    assert result.stdout.strip() == f"{LEAN_ALLOCATOR_TUNABLES!r} ['--first', 'second']"


@glibc_only
def test_tunables_already_set_even_empty_are_left_alone():
    for value in ("", "glibc.malloc.arena_max=2"):
        result = _run_python(["-c", PRINT_TUNABLES_AFTER_RESTART], GLIBC_TUNABLES=value)
        assert result.stdout.strip() == f"{value!r} []"


@glibc_only
def test_the_command_line_entry_point_restarts_with_the_lean_allocator():
    run_entry_point = (
        "import atexit, os, runpy\n"
        "atexit.register(lambda: print('tunables', repr(os.environ.get('GLIBC_TUNABLES'))))\n"
        "runpy.run_module('knowledge_tracing', run_name='__main__', alter_sys=True)\n"
    )
    result = _run_python(["-c", run_entry_point, "evaluate", "--help"])
    assert "--models" in result.stdout
    assert result.stdout.strip().endswith(f"tunables {LEAN_ALLOCATOR_TUNABLES!r}")
