"""Themes: the coarser semantic level where related claims on one subject meet.

A narrative is one message (copied or paraphrased, cosine >= ``similarity_threshold`` to its
centroid). A campaign often pushes several claims about one subject, reworded so that each claim
splits into several narratives, and routing may put paraphrases of one claim on different buckets.
The theme level puts those narratives back together: every narrative, when it is born, joins the
closest live theme whose centroid is within ``theme_threshold`` (a looser cosine than the narrative
join), or founds a new one. Themes are an :class:`~detectors.clustering.OnlineClusterer` over the
narratives' founding vectors, so the same search, eviction and snapshot code serves both levels.

A narrative's theme is fixed when it is born (its id never changes afterwards, which the
``--assignments`` contract and the evaluator rely on). Scripts the embedding model does not cover
keep the strict ``uncovered_script_threshold``: without a model for the script, vectors only say
"near copy", so a looser theme threshold there would merge unrelated texts. Themes expire after
``theme_idle_expiry_s`` without a new narrative and are capped at ``max_live_themes``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from detectors.clustering import OnlineClusterer
from detectors.config import DetectorConfig
from detectors.facts import NarrativeReport, decode_centroid

__all__ = ["THEME_PREFIX", "ThemeBirth", "ThemeIndex"]

THEME_PREFIX: Final = "thm-"
_SCRIPTS: Final = ("latin", "arabic", "cyrillic", "cjk", "other", "none")


def _theme_id(cluster_id: str) -> str:
    return THEME_PREFIX + cluster_id.removeprefix("nar-")


@dataclass(frozen=True, slots=True)
class ThemeBirth:
    """A born narrative's theme: founded by it (``created``) or joined."""

    narrative_id: str
    theme_id: str
    created: bool
    t: float
    centroid: str  # the narrative's founding vector, as the born report encoded it


class ThemeIndex:
    """Narrative -> theme, assigned once per narrative from its founding vector."""

    def __init__(self, cfg: DetectorConfig) -> None:
        self.cfg = cfg
        self._clusterer: OnlineClusterer | None = None
        self._theme_of: OrderedDict[str, str] = OrderedDict()  # narrative -> theme, least recent first

    def __len__(self) -> int:
        return len(self._clusterer) if self._clusterer is not None else 0

    def group_thresholds(self) -> dict[str, float]:
        """Join threshold per script group: the theme threshold where the model covers the script,
        the strict near-copy threshold elsewhere."""
        out: dict[str, float] = {}
        for script, narrative_threshold in self.cfg.clusterer_group_thresholds(_SCRIPTS).items():
            out[script] = max(self.cfg.theme_threshold, narrative_threshold)
        return out

    def theme_of(self, narrative_id: str | None) -> str | None:
        return None if narrative_id is None else self._theme_of.get(narrative_id)

    def assign(self, reports: Sequence[NarrativeReport]) -> list[ThemeBirth]:
        """Place born narratives in themes, in order, with one batched search (a single query against
        thousands of live themes costs about as much as a batch of them). Other reports, and
        narratives that already have a theme, are ignored. Returns where each placed narrative went."""
        born = [
            r
            for r in reports
            if r.kind == "born" and r.centroid is not None and r.narrative_id not in self._theme_of
        ]
        if not born:
            return []
        vectors = np.stack([decode_centroid(r.centroid or "") for r in born])
        clusterer = self._ensure(vectors.shape[1])
        found = clusterer.learn_many(
            vectors, [r.t for r in born], [r.narrative_id for r in born], [r.script for r in born]
        )
        out: list[ThemeBirth] = []
        for report, assignment in zip(born, found, strict=True):
            theme = _theme_id(assignment.narrative_id)
            self._theme_of[report.narrative_id] = theme
            out.append(
                ThemeBirth(report.narrative_id, theme, assignment.created, report.t, report.centroid or "")
            )
        while len(self._theme_of) > self.cfg.max_live_narratives:
            self._theme_of.popitem(last=False)
        return out

    def forget(self, narrative_id: str) -> None:
        """The narrative closed: its mapping is no longer needed."""
        self._theme_of.pop(narrative_id, None)

    def next_expiry(self) -> float | None:
        """When the next theme may expire (None: no theme is live)."""
        return self._clusterer.next_expiry() if self._clusterer is not None else None

    def expire(self, now: float) -> list[str]:
        """Drop themes with no new narrative for ``theme_idle_expiry_s``; returns their ids."""
        return [_theme_id(c) for c in self._clusterer.expire(now)] if self._clusterer is not None else []

    def _ensure(self, dim: int) -> OnlineClusterer:
        if self._clusterer is None:
            self._clusterer = OnlineClusterer(
                dim,
                threshold=self.cfg.theme_threshold,
                idle_expiry_s=self.cfg.theme_idle_expiry_s,
                max_live=self.cfg.max_live_themes,
                group_thresholds=self.group_thresholds(),
            )
        elif self._clusterer.dim != dim:
            raise ValueError(f"centroid has {dim} dimensions, themes were started with {self._clusterer.dim}")
        return self._clusterer

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "clusterer": None if self._clusterer is None else self._clusterer.snapshot(),
            "theme_of": [[n, t] for n, t in self._theme_of.items()],
        }

    @classmethod
    def restore(cls, snap: Mapping[str, Any], cfg: DetectorConfig) -> ThemeIndex:
        index = cls(cfg)
        if snap["clusterer"] is not None:
            index._clusterer = OnlineClusterer.restore(snap["clusterer"])
        index._theme_of = OrderedDict((str(n), str(t)) for n, t in snap["theme_of"])
        return index
