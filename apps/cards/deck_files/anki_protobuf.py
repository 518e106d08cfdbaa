"""The few protobuf messages of Anki's package format that Mnemo reads and writes.

Anki (rslib/src/import_export/package, proto/anki/import_export.proto and notetypes.proto)
stores the package version in ``meta``, the media map in ``media`` and a note type's kind
in ``notetypes.config`` as protobuf. Rather than vendor Anki's generated code, the
messages are declared here with only the fields Mnemo uses (same names and numbers as
Anki's .proto files); protobuf skips every other field when parsing.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE_VERSION_LATEST = 3  # 1: collection.anki2, 2: collection.anki21, 3: collection.anki21b (zstd)
NOTETYPE_KIND_CLOZE = 1

_FIELD = descriptor_pb2.FieldDescriptorProto


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(name="mnemo_anki_subset.proto", package="mnemo_anki", syntax="proto3")

    def message(name: str, *fields: tuple[str, int, int, int, str]) -> None:
        descriptor = proto.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            field = descriptor.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = type_name

    optional, repeated = _FIELD.LABEL_OPTIONAL, _FIELD.LABEL_REPEATED
    message("PackageMetadata", ("version", 1, _FIELD.TYPE_INT32, optional, ""))
    message(
        "MediaEntry",
        ("name", 1, _FIELD.TYPE_STRING, optional, ""),
        ("size", 2, _FIELD.TYPE_UINT32, optional, ""),
        ("sha1", 3, _FIELD.TYPE_BYTES, optional, ""),
    )
    message("MediaEntries", ("entries", 1, _FIELD.TYPE_MESSAGE, repeated, ".mnemo_anki.MediaEntry"))
    message("NotetypeConfig", ("kind", 1, _FIELD.TYPE_INT32, optional, ""))
    return proto


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file_descriptor())
PackageMetadata = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("mnemo_anki.PackageMetadata"))
MediaEntries = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("mnemo_anki.MediaEntries"))
NotetypeConfig = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("mnemo_anki.NotetypeConfig"))
