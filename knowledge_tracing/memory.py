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

The trim alone leaves CAKT's peak near 2.2 GB: the peak is inside one batch's backward
pass, before any trim can run. glibc's tunables ``LEAN_ALLOCATOR_TUNABLES`` (large
blocks as their own ``mmap``, on transparent huge pages so that this stays cheap) bring
it to 1.2 GB, but glibc reads them only when a process starts.
``restart_with_lean_allocator`` therefore re-executes a command-line program with them
when its environment does not set ``GLIBC_TUNABLES`` (``docs/cakt-speed.md`` has the
figures); the Makefile and the Docker image set them for the web server and the workers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import platform
import sys

LEAN_ALLOCATOR_TUNABLES = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576"


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


def restart_with_lean_allocator() -> None:
    """Re-execute this process with ``LEAN_ALLOCATOR_TUNABLES`` unless ``GLIBC_TUNABLES`` is set.

    Call it first thing in a program's entry point, before any work is done: the
    process is replaced by an identical command line. Setting ``GLIBC_TUNABLES``
    (even to an empty value) keeps the allocator as it is. Elsewhere than glibc this
    does nothing.
    """
    if "GLIBC_TUNABLES" in os.environ or platform.libc_ver()[0] != "glibc":
        return
    environment = dict(os.environ, GLIBC_TUNABLES=LEAN_ALLOCATOR_TUNABLES)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environment)
