"""The Record codec: required and optional keys, nesting, absence vs null, unknown keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from optimize.plan.record import Record, codec_of


@dataclasses.dataclass(frozen=True)
class Leaf(Record):
    name: str
    size: float | None = None


@dataclasses.dataclass(frozen=True)
class Tree(Record):
    leaves: tuple[Leaf, ...]
    by_name: Mapping[str, Leaf]
    tags: tuple[str, ...]
    anything: Any
    top: Leaf | None = None


def test_round_trip_keeps_types_order_and_absence() -> None:
    d = {"leaves": [{"name": "a", "size": 1}, {"name": "b", "size": None}, {"name": "c"}],
         "by_name": {"x": {"name": "x"}}, "tags": ["t"], "anything": {"k": [1, 2]},
         "unknown": 3}
    tree = Tree.from_json(d)
    assert tree.leaves[0].size == 1 and isinstance(tree.leaves[0].size, int)  # not coerced
    assert tree.leaves[1].absent == frozenset() and tree.leaves[2].absent == {"size"}
    assert tree.by_name["x"].name == "x" and tree.tags == ("t",) and tree.top is None
    assert tree.extra == {"unknown": 3}
    assert tree.to_json() == d and list(tree.to_json()) == list(d)


def test_required_key_missing_and_wrong_kind() -> None:
    with pytest.raises(KeyError, match="Leaf lacks 'name'"):
        Leaf.from_json({"size": 1.0})
    with pytest.raises(TypeError, match="expected a JSON object"):
        Tree.from_json({"leaves": [1], "by_name": {}, "tags": [], "anything": None})


def test_built_records_write_every_field() -> None:
    assert Leaf("a").to_json() == {"name": "a", "size": None}
    assert Leaf("a") == Leaf.from_json({"name": "a"})  # absence does not change equality


def test_codec_of_plain_values_is_identity() -> None:
    dec, enc = codec_of(int | float)
    assert dec(3) == 3 and enc(2.5) == 2.5
