"""What Anki's own library (the ``anki`` package, a test dependency) says an Anki file holds.

``anki_view(path)`` loads a package or collection into a fresh Anki collection, as Anki
does when a user imports it (scheduling included), and returns its notes, cards, decks,
note types, review log and media as plain comparable values. Tests hold Mnemo's reader,
import and export to these.
"""

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zstandard
from anki._backend import RustBackend
from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

REAL_ANKI_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "anki"
REAL_FILES = sorted(path.name for path in REAL_ANKI_DATA.glob("*") if path.suffix in (".apkg", ".colpkg", ".anki2"))


@dataclass(frozen=True)
class AnkiView:
    notes: dict[str, tuple]  # guid -> (note type name, fields, sorted tags)
    cards: dict[tuple[str, int], tuple]  # (note guid, ord) -> (deck name, type, queue, interval)
    note_types: dict[str, tuple]  # name -> (kind, field names, template count), for the note types notes use
    decks: set[str]  # names of the decks that hold cards, with their parents
    revlog: list[tuple]  # (time ms, note guid, ord, ease, taken ms, type) in time order, of the cards present
    revlog_entries: int  # every entry, those of deleted cards too
    media: set[str]


def anki_view(path: Path) -> AnkiView:
    with tempfile.TemporaryDirectory(prefix="anki-truth-") as scratch:
        collection = _load(Path(path), Path(scratch))
        try:
            return _view(collection)
        finally:
            collection.close()


def _load(path: Path, scratch: Path) -> Collection:
    target = scratch / "collection.anki2"
    if path.suffix == ".colpkg":
        Collection(str(target)).close()
        RustBackend().import_collection_package(
            col_path=str(target), backup_path=str(path), media_folder=str(scratch / "collection.media"),
            media_db=str(scratch / "collection.media.db2"),
        )
        return Collection(str(target))
    if path.suffix == ".apkg":
        collection = Collection(str(target))
        request = ImportAnkiPackageRequest(
            package_path=str(path), options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)
        )
        collection.import_anki_package(request)
        return collection
    data = path.read_bytes()
    if data.startswith(b"\x28\xb5\x2f\xfd"):
        data = zstandard.ZstdDecompressor().stream_reader(data).read()
        target.write_bytes(data)
    else:
        shutil.copyfile(path, target)
    collection = Collection(str(target))
    if collection.sched_ver() == 1:
        collection.upgrade_to_v2_scheduler()  # what current Anki asks for before it studies an old collection
    return collection


def _view(collection: Collection) -> AnkiView:
    db = collection.db
    type_names = {model["id"]: model for model in collection.models.all()}
    notes = {
        guid: (type_names[mid]["name"], tuple(fields.split("\x1f")), tuple(sorted(tags.split())))
        for guid, mid, fields, tags in db.execute("SELECT guid, mid, flds, tags FROM notes")
    }
    used = {mid for (mid,) in db.execute("SELECT DISTINCT mid FROM notes")}
    note_types = {
        type_names[mid]["name"]: ("cloze" if type_names[mid]["type"] == 1 else "standard",
                                  tuple(field["name"] for field in type_names[mid]["flds"]), len(type_names[mid]["tmpls"]))
        for mid in used
    }
    cards = {
        (guid, ordinal): (collection.decks.name(did), kind, queue, interval)
        for guid, ordinal, did, kind, queue, interval in db.execute(
            "SELECT notes.guid, cards.ord, cards.did, cards.type, cards.queue, cards.ivl FROM cards JOIN notes ON notes.id = cards.nid"
        )
    }
    decks = set()
    for deck_name, *_ in cards.values():
        parts = deck_name.split("::")
        decks.update("::".join(parts[: depth + 1]) for depth in range(len(parts)))
    revlog = [
        tuple(row) for row in db.execute(
            "SELECT revlog.id, notes.guid, cards.ord, revlog.ease, revlog.time, revlog.type FROM revlog"
            " JOIN cards ON cards.id = revlog.cid JOIN notes ON notes.id = cards.nid ORDER BY revlog.id"
        )
    ]
    media_dir = Path(collection.media.dir())
    media = {item.name for item in media_dir.iterdir()} if media_dir.exists() else set()
    return AnkiView(
        notes=notes, cards=cards, note_types=note_types, decks=decks, revlog=revlog,
        revlog_entries=db.scalar("SELECT count(*) FROM revlog"), media=media,
    )
