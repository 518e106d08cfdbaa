"""Freed heap memory goes back to the system between batches."""

import ctypes.util

import pytest

from knowledge_tracing.memory import release_free_memory


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
