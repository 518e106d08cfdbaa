"""The few protobuf messages of Anki's file formats that Mnemo reads, declared by field number.

Anki stores the package version in ``meta``, the media manifest in ``media``, and, in a
schema-18 collection, note types, fields, templates, decks and deck option presets as
protobuf blobs. Rather than vendor Anki's generated code (or depend on the ``anki``
package at run time), the messages are declared here with only the fields Mnemo uses,
under Anki's own names and numbers (``proto/anki/*.proto``); protobuf skips every other
field when parsing. ``tests/knowledge_tracing/anki`` checks the numbers against the
``anki`` package's own descriptors.

The file is declared as proto2 so that optional scalars keep presence (``HasField``),
which a proto3 parser of Anki's data needs for ``legacy_zip_filename``.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE_VERSION_LATEST = 3  # 1: collection.anki2, 2: collection.anki21, 3: collection.anki21b (zstd)
NOTETYPE_KIND_CLOZE = 1

_FIELD = descriptor_pb2.FieldDescriptorProto
_OPTIONAL, _REPEATED = _FIELD.LABEL_OPTIONAL, _FIELD.LABEL_REPEATED
_INT32, _INT64, _UINT32, _FLOAT, _STRING, _BYTES, _MESSAGE = (
    _FIELD.TYPE_INT32, _FIELD.TYPE_INT64, _FIELD.TYPE_UINT32, _FIELD.TYPE_FLOAT, _FIELD.TYPE_STRING, _FIELD.TYPE_BYTES,
    _FIELD.TYPE_MESSAGE,
)

# message name -> (field name, number, type, label, message type name)
MESSAGES: dict[str, tuple[tuple[str, int, int, int, str], ...]] = {
    "PackageMetadata": (("version", 1, _INT32, _OPTIONAL, ""),),
    "MediaEntry": (
        ("name", 1, _STRING, _OPTIONAL, ""),
        ("size", 2, _UINT32, _OPTIONAL, ""),
        ("sha1", 3, _BYTES, _OPTIONAL, ""),
        ("legacy_zip_filename", 255, _UINT32, _OPTIONAL, ""),
    ),
    "MediaEntries": (("entries", 1, _MESSAGE, _REPEATED, "MediaEntry"),),
    "NotetypeConfig": (
        ("kind", 1, _INT32, _OPTIONAL, ""),
        ("sort_field_idx", 2, _UINT32, _OPTIONAL, ""),
        ("css", 3, _STRING, _OPTIONAL, ""),
        ("latex_pre", 5, _STRING, _OPTIONAL, ""),
        ("latex_post", 6, _STRING, _OPTIONAL, ""),
    ),
    "TemplateConfig": (
        ("q_format", 1, _STRING, _OPTIONAL, ""),
        ("a_format", 2, _STRING, _OPTIONAL, ""),
    ),
    "DeckNormal": (
        ("config_id", 1, _INT64, _OPTIONAL, ""),
        ("description", 4, _STRING, _OPTIONAL, ""),
        ("desired_retention", 10, _FLOAT, _OPTIONAL, ""),
    ),
    "DeckFiltered": (("reschedule", 1, _FIELD.TYPE_BOOL, _OPTIONAL, ""),),
    "DeckKindContainer": (
        ("normal", 1, _MESSAGE, _OPTIONAL, "DeckNormal"),
        ("filtered", 2, _MESSAGE, _OPTIONAL, "DeckFiltered"),
    ),
    "DeckConfigConfig": (
        ("learn_steps", 1, _FLOAT, _REPEATED, ""),
        ("relearn_steps", 2, _FLOAT, _REPEATED, ""),
        ("new_per_day", 9, _UINT32, _OPTIONAL, ""),
        ("reviews_per_day", 10, _UINT32, _OPTIONAL, ""),
        ("maximum_review_interval", 16, _UINT32, _OPTIONAL, ""),
        ("bury_new", 27, _FIELD.TYPE_BOOL, _OPTIONAL, ""),
        ("bury_reviews", 28, _FIELD.TYPE_BOOL, _OPTIONAL, ""),
        ("desired_retention", 37, _FLOAT, _OPTIONAL, ""),
    ),
}

# Anki's full names of the messages above, for the test that compares field numbers.
ANKI_NAMES = {
    "PackageMetadata": "anki.import_export.PackageMetadata",
    "MediaEntry": "anki.import_export.MediaEntries.MediaEntry",
    "MediaEntries": "anki.import_export.MediaEntries",
    "NotetypeConfig": "anki.notetypes.Notetype.Config",
    "TemplateConfig": "anki.notetypes.Notetype.Template.Config",
    "DeckNormal": "anki.decks.Deck.Normal",
    "DeckFiltered": "anki.decks.Deck.Filtered",
    "DeckKindContainer": "anki.decks.Deck.KindContainer",
    "DeckConfigConfig": "anki.deck_config.DeckConfig.Config",
}


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(name="mnemo_anki_subset.proto", package="mnemo_anki", syntax="proto2")
    for message_name, fields in MESSAGES.items():
        descriptor = proto.message_type.add(name=message_name)
        for field_name, number, kind, label, type_name in fields:
            field = descriptor.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = f".mnemo_anki.{type_name}"
    return proto


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file_descriptor())


def _message(name: str):
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"mnemo_anki.{name}"))


PackageMetadata = _message("PackageMetadata")
MediaEntries = _message("MediaEntries")
NotetypeConfig = _message("NotetypeConfig")
TemplateConfig = _message("TemplateConfig")
DeckKindContainer = _message("DeckKindContainer")
DeckConfigConfig = _message("DeckConfigConfig")
