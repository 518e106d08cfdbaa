"""Handing freed heap memory back to the operating system between batches.

The recurrent models allocate tensors of many sizes in every batch (the conv tower's
chunks, the LSTMs' workspaces, prediction batches of varying length). glibc's
allocator serves most of them from its heap and, once they are freed, keeps the pages
of the holes they leave: over an epoch the process's resident memory grows to twice or
more the largest batch's working set (CAKT on ASSIST2009 reached 4 GB after 6 epochs).
``malloc_trim`` returns those free pages; called once per batch it costs a few
milliseconds, far less than making every large tensor its own ``mmap``
(``MALLOC_MMAP_THRESHOLD_``), which doubled CAKT's CPU time. Elsewhere than glibc this
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return getattr(ctypes.CDLL(name), "malloc_trim", None)


def release_free_memory() -> None:
    """Return the allocator's free heap pages to the system (glibc only; else a no-op)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
