"""The AOSP `tombstone.proto` messages perito reads, declared in code for the protobuf runtime.

Only the fields used are declared (field numbers from AOSP `system/core/debuggerd/proto/
tombstone.proto`); the protobuf parser skips the others. Field 9 was `process_name` in the
first release and is `repeated command_line` since: both read as a repeated string.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_FIELDS: dict[str, list[tuple[str, int, int, int, str]]] = {
    # message: (name, number, type, label, message type name)
    "Tombstone": [
        ("build_fingerprint", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("revision", 3, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("timestamp", 4, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("pid", 5, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, ""),
        ("tid", 6, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, ""),
        ("uid", 7, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, ""),
        ("selinux_label", 8, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("command_line", 9, _F.TYPE_STRING, _F.LABEL_REPEATED, ""),
        ("signal_info", 10, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, "Signal"),
        ("abort_message", 14, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("causes", 15, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "Cause"),
        ("threads", 16, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, "Tombstone.ThreadsEntry"),
        ("process_uptime", 20, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, ""),
    ],
    "Signal": [
        ("number", 1, _F.TYPE_INT32, _F.LABEL_OPTIONAL, ""),
        ("name", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
        ("code", 3, _F.TYPE_INT32, _F.LABEL_OPTIONAL, ""),
        ("code_name", 4, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
    ],
    "Cause": [("human_readable", 1, _F.TYPE_STRING, _F.LABEL_OPTIONAL, "")],
    "Thread": [
        ("id", 1, _F.TYPE_INT32, _F.LABEL_OPTIONAL, ""),
        ("name", 2, _F.TYPE_STRING, _F.LABEL_OPTIONAL, ""),
    ],
}
_PACKAGE = "perito.tombstone"


def _add_fields(message: descriptor_pb2.DescriptorProto,
                fields: list[tuple[str, int, int, int, str]]) -> None:
    for name, number, kind, label, type_name in fields:
        field = message.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            field.type_name = f".{_PACKAGE}.{type_name}"


def _message_class() -> Any:
    file = descriptor_pb2.FileDescriptorProto(name="perito_tombstone.proto", package=_PACKAGE,
                                              syntax="proto3")
    for name, fields in _FIELDS.items():
        message = file.message_type.add(name=name)
        _add_fields(message, fields)
        if name == "Tombstone":
            entry = message.nested_type.add(name="ThreadsEntry")
            entry.options.map_entry = True
            _add_fields(entry, [("key", 1, _F.TYPE_UINT32, _F.LABEL_OPTIONAL, ""),
                                ("value", 2, _F.TYPE_MESSAGE, _F.LABEL_OPTIONAL, "Thread")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.Tombstone"))


TOMBSTONE: Any = _message_class()


def parse_tombstone(data: bytes) -> Any:
    """A parsed Tombstone message (raises google.protobuf.message.DecodeError)."""
    message = TOMBSTONE()
    message.ParseFromString(data)
    return message
