"""Frozen dataclasses that read and write their own JSON, exactly (pure Python).

A :class:`Record` subclass declares its JSON keys as dataclass fields, in file order. The
codec is built once per class from the type hints:

- a field without a default is a required key (``KeyError`` when absent);
- a field with a default is optional: when its key is absent the default is used and the
  key's absence is remembered, so ``to_json`` leaves it out again (a key present with
  ``null`` stays ``null``);
- keys the class does not declare are kept in ``extra`` and written back after the
  declared ones, so ``Cls.from_json(d).to_json() == d`` for any ``d`` the class reads.

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``Any`` (values pass through
unchanged, so ints stay ints), another :class:`Record`, ``tuple[X, ...]`` (a JSON list),
``Mapping[str, X]`` (a JSON object) and ``X | None``.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")
Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


@dataclasses.dataclass(frozen=True)
class Record:
    """Base of the plan metadata classes: ``from_json`` / ``to_json`` round-trip exactly.

    Attributes
    ----------
    extra
        Keys of the JSON object that the class does not declare, kept as read.
    absent
        Optional declared keys that the JSON object did not have (left out again on
        writing).
    """

    extra: Mapping[str, Any] = dataclasses.field(
        default_factory=dict, kw_only=True, compare=False, repr=False)
    absent: frozenset[str] = dataclasses.field(
        default=frozenset(), kw_only=True, compare=False, repr=False)

    @classmethod
    def from_json(cls: type[R], d: Mapping[str, Any]) -> R:
        """The record of a parsed JSON object (``KeyError`` if a required key is missing)."""
        return decode_record(cls, d)

    def to_json(self) -> dict[str, Any]:
        """The JSON object (plain dicts, lists and scalars) this record was read from."""
        return encode_record(self)


@dataclasses.dataclass(frozen=True)
class FieldCodec:
    """How one declared field is read and written."""

    name: str
    required: bool
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _optional(codec: Codec) -> Codec:
    dec, enc = codec
    return (lambda v: None if v is None else dec(v)), (lambda v: None if v is None else enc(v))


def _sequence(codec: Codec) -> Codec:
    dec, enc = codec
    if dec is _identity:
        return tuple, list
    return (lambda v: tuple(dec(x) for x in v)), (lambda v: [enc(x) for x in v])


def _mapping(codec: Codec) -> Codec:
    dec, enc = codec
    if dec is _identity:
        return dict, dict
    return ((lambda v: {k: dec(x) for k, x in v.items()}),
            (lambda v: {k: enc(x) for k, x in v.items()}))


def codec_of(hint: Any) -> Codec:
    """(decode, encode) functions for one type annotation (see the module docstring)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            return _identity, _identity  # e.g. int | float: a plain JSON value
        return _optional(codec_of(inner[0]))
    if origin is tuple:
        return _sequence(codec_of(args[0]))
    if origin in (Mapping, dict):
        return _mapping(codec_of(args[1]))
    if isinstance(hint, type) and issubclass(hint, Record):
        return (functools.partial(decode_record, hint), encode_record)
    return _identity, _identity


#: Field codecs per Record class, built on first use.
FIELD_CODECS: dict[type, tuple[FieldCodec, ...]] = {}


def field_codecs(cls: type[Record]) -> tuple[FieldCodec, ...]:
    """The codecs of ``cls``'s declared fields, in declaration order (built once)."""
    codecs = FIELD_CODECS.get(cls)
    if codecs is None:
        codecs = FIELD_CODECS[cls] = _build_field_codecs(cls)
    return codecs


def _build_field_codecs(cls: type[Record]) -> tuple[FieldCodec, ...]:
    """The codecs of ``cls``'s declared fields, from its type hints."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.name in ("extra", "absent"):
            continue
        required = (f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING)
        dec, enc = codec_of(hints[f.name])
        out.append(FieldCodec(f.name, required, dec, enc))
    return tuple(out)


def decode_record(cls: type[R], d: Mapping[str, Any]) -> R:
    """Build ``cls`` from the JSON object ``d`` (see :class:`Record`)."""
    if not isinstance(d, Mapping):
        raise TypeError(f"{cls.__name__}: expected a JSON object, got {type(d).__name__}")
    values: dict[str, Any] = {}
    absent = []
    for fc in field_codecs(cls):
        if fc.name in d:
            values[fc.name] = fc.decode(d[fc.name])
        elif fc.required:
            raise KeyError(f"{cls.__name__} lacks {fc.name!r}")
        else:
            absent.append(fc.name)
    known = {fc.name for fc in field_codecs(cls)}
    extra = {k: v for k, v in d.items() if k not in known}
    return cls(**values, extra=extra, absent=frozenset(absent))


def encode_record(record: Record) -> dict[str, Any]:
    """The JSON object of ``record``: declared fields in order, then ``extra``."""
    out = {fc.name: fc.encode(getattr(record, fc.name)) for fc in field_codecs(type(record))
           if fc.name not in record.absent}
    out.update(record.extra)
    return out
