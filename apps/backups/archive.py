"""The backup archive: one ``.tar.gz`` holding the database dump, the media files and a manifest that vouches for them.

The manifest (``manifest.json``, the last member) names the format and its version,
the versions of what made the archive, the database engine, the applied migrations,
the row count of every table, and every other member with its size and SHA-256. An
archive is trusted only as a whole: reading it extracts into a scratch folder with
tarfile's ``data`` filter (no absolute names, no ``..``, no links out, no devices) and
checks that the members are exactly the manifest's, byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

FORMAT = "mnemo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FOLDER = "database"
MEDIA_FOLDER = "media"
CHUNK = 1 << 20


class ArchiveRefused(ValueError):
    """The archive is not one this Mnemo can restore; the message says why."""


def file_digest(path: Path) -> tuple[int, str]:
    """(size in bytes, SHA-256 hex) of a file."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class _HashingReader:
    """Reads a file for tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


class ArchiveWriter:
    """Adds files under their member names, recording size and SHA-256 of each; ``close(manifest)`` seals it."""

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, mode="w:gz", compresslevel=6)
        self.members: dict[str, dict] = {}

    def add(self, source: Path, name: str) -> bool:
        """Add ``source`` as ``name``; False when it vanished before it could be read (a file deleted meanwhile)."""
        try:
            handle = source.open("rb")
        except FileNotFoundError:
            return False
        with handle:
            info = self.tar.gettarinfo(fileobj=handle, arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            reader = _HashingReader(handle)
            self.tar.addfile(info, reader)
        self.members[name] = {"bytes": info.size, "sha256": reader.digest.hexdigest()}
        return True

    def close(self, manifest: dict) -> None:
        payload = json.dumps({**manifest, "members": self.members}, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(payload)
        self.tar.addfile(info, _BytesReader(payload))
        self.tar.close()


class _BytesReader:
    def __init__(self, payload: bytes) -> None:
        self.payload, self.offset = payload, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.payload) if size < 0 else self.offset + size
        chunk, self.offset = self.payload[self.offset:end], min(end, len(self.payload))
        return chunk


@dataclass(frozen=True)
class OpenedArchive:
    """An archive extracted into ``folder`` and checked against its manifest."""

    folder: Path
    manifest: dict

    def path(self, member: str) -> Path:
        return self.folder / member

    def media_members(self) -> list[str]:
        return sorted(name for name in self.manifest["members"] if name.startswith(f"{MEDIA_FOLDER}/"))


def archive_open(archive: Path, folder: Path) -> OpenedArchive:
    """Extract ``archive`` into the empty ``folder`` and check every member against the manifest; ArchiveRefused says what is wrong."""
    try:
        # The whole gzip stream first, to its CRC: tarfile takes a damaged header for the end of the archive.
        with gzip.open(archive) as stream:
            while stream.read(CHUNK):
                pass
        with tarfile.open(archive, mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
    except FileNotFoundError:
        raise ArchiveRefused(f"{archive} does not exist") from None
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as error:
        raise ArchiveRefused(f"{archive} is not a readable backup archive (truncated or corrupt): {error}") from None
    manifest = _manifest(folder)
    listed = set(manifest["members"])
    present = {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()} - {MANIFEST}
    if missing := sorted(listed - present):
        raise ArchiveRefused(f"{archive} lacks {len(missing)} file(s) its manifest lists, first {missing[0]}")
    if unlisted := sorted(present - listed):
        raise ArchiveRefused(f"{archive} holds {len(unlisted)} file(s) its manifest does not list, first {unlisted[0]}")
    for name, expected in sorted(manifest["members"].items()):
        size, sha256 = file_digest(folder / name)
        if (size, sha256) != (expected["bytes"], expected["sha256"]):
            raise ArchiveRefused(f"{archive}: {name} does not match its checksum in the manifest (the archive is corrupt)")
    return OpenedArchive(folder=folder, manifest=manifest)


def _manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise ArchiveRefused(f"the archive has no {MANIFEST}: it is not a Mnemo backup, or it was cut short") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveRefused(f"the archive's {MANIFEST} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused(f"the archive's {MANIFEST} does not describe a {FORMAT} archive")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveRefused(
            f"the archive is format version {manifest.get('format_version')!r}; this Mnemo reads version {FORMAT_VERSION}"
        )
    if not isinstance(manifest.get("members"), dict) or not isinstance(manifest.get("database"), dict):
        raise ArchiveRefused(f"the archive's {MANIFEST} lacks its members or its database section")
    return manifest
