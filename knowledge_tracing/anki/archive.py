"""Bounded reading of an Anki package's zip archive: entry count, duplicate and link entries, zip and zstd bombs.

Before ``zipfile`` parses the central directory, the count the archive declares in its
end record is checked (a million empty entries would otherwise cost that many ZipInfo
objects). Two entries of one name are refused (which one a reader picks is arbitrary, so
what Mnemo reads and what another tool shows could differ), and so is a symbolic link
where a file is expected. Every byte decompressed, zip or zstd, is counted against one
budget, so a small entry that expands past the limit is stopped as it expands.
"""

import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import zstandard

from knowledge_tracing.anki.limits import AnkiFileError, ReadLimits, readable_size

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_END_RECORD_SIZE = 22
_MAX_COMMENT = 0xFFFF


def declared_entry_count(path: Path) -> int | None:
    """The number of entries the zip's end record declares (zip64 too), or None when there is no end record."""
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        tail_size = min(size, _END_RECORD_SIZE + _MAX_COMMENT)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
        at = tail.rfind(_END_RECORD)
        if at < 0 or at + _END_RECORD_SIZE > len(tail):
            return None
        count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
        if count != 0xFFFF:
            return count
        locator_at = size - tail_size + at - 20
        if locator_at < 0:
            return None
        handle.seek(locator_at)
        locator = handle.read(20)
        if not locator.startswith(_ZIP64_LOCATOR):
            return None
        handle.seek(struct.unpack("<Q", locator[8:16])[0] + 32)
        return struct.unpack("<Q", handle.read(8))[0]


READ_CHUNK = 1024 * 1024


def read_at_most(stream, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``stream``, a chunk at a time.

    zstandard's ``read(n)`` allocates ``n`` bytes before it decompresses anything, so
    asking for the whole budget at once cost 1 GB of address space for every collection
    and media file, however small (found by the fuzz tests' memory target).
    """
    chunks, size = [], 0
    while size < limit and (chunk := stream.read(min(READ_CHUNK, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class PackageArchive:
    """An opened package zip whose reads are held to ``limits``; use as a context manager."""

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        try:
            declared = declared_entry_count(path)
        except (OSError, struct.error) as error:
            raise AnkiFileError(f"not an Anki package: the zip archive cannot be read ({error})") from error
        if declared is not None and declared > limits.max_archive_entries:
            raise AnkiFileError(f"the package holds {declared:,} zip entries, more than the {limits.max_archive_entries:,} allowed")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise AnkiFileError("not an Anki package: the file is not a zip archive (or it is truncated)") from error
        self.limits = limits
        self.budget_left = limits.max_unpacked_bytes
        try:
            self._check_entries()
        except AnkiFileError:
            self.zip.close()
            raise

    def __enter__(self) -> "PackageArchive":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    def _check_entries(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > self.limits.max_archive_entries:
            raise AnkiFileError(f"the package holds {len(infos):,} zip entries, more than the {self.limits.max_archive_entries:,} allowed")
        seen: set[str] = set()
        for info in infos:
            if info.filename in seen:
                raise AnkiFileError(f"the package holds two zip entries named {info.filename!r}; refusing an ambiguous package")
            seen.add(info.filename)
        declared = sum(info.file_size for info in infos)
        if declared > self.limits.max_unpacked_bytes:
            raise AnkiFileError(
                f"the package unpacks to {readable_size(declared)}, more than the "
                f"{readable_size(self.limits.max_unpacked_bytes)} allowed"
            )
        self.names = seen

    def has(self, name: str) -> bool:
        return name in self.names

    def size(self, name: str) -> int:
        return self.zip.getinfo(name).file_size

    def is_link(self, name: str) -> bool:
        """Whether the entry is a symbolic link (its Unix mode says so), not a file."""
        return stat.S_ISLNK(self.zip.getinfo(name).external_attr >> 16)

    def read(self, name: str, *, zstd: bool, max_bytes: int | None = None) -> bytes:
        """The entry's bytes, zstd-decompressed when ``zstd`` and they are a zstd frame; within the budget and ``max_bytes``."""
        if self.is_link(name):
            raise AnkiFileError(f"{name}: a symbolic link, not a file")
        cap = self.budget_left if max_bytes is None else min(self.budget_left, max_bytes)
        try:
            with self.zip.open(name) as handle:
                data = handle.read(cap + 1)
            self._spend(name, len(data), cap)
            if zstd and data.startswith(ZSTD_MAGIC):
                self.budget_left += len(data)
                cap = self.budget_left if max_bytes is None else min(self.budget_left, max_bytes)
                data = read_at_most(zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)), cap + 1)
                self._spend(name, len(data), cap)
        except (zipfile.BadZipFile, zlib.error, zstandard.ZstdError, EOFError, NotImplementedError, RuntimeError, OSError) as error:
            raise AnkiFileError(f"{name}: damaged or truncated entry ({error})") from error
        return data

    def _spend(self, name: str, size: int, cap: int) -> None:
        if size > cap:
            if cap < self.budget_left:
                raise AnkiFileError(f"{name}: larger than the {readable_size(cap)} allowed for one file")
            raise AnkiFileError(f"{name}: unpacks to more than the {readable_size(self.limits.max_unpacked_bytes)} allowed")
        self.budget_left -= size
