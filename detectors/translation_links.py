"""Translation links: one claim pushed in several languages becomes one theme group.

A multilingual model puts translations of one claim further apart than the narrative or theme join
allows: the open-set join must keep same-language impostors out, and those score higher than
translations (multilingual-e5-small: held-out translation pairs reach the 0.928 join 15% of the
time). So a claim pushed in eight languages founds eight themes, and the campaign level, which
scores themes, sees eight small bursts instead of one.

:class:`TranslationLinks` joins such themes into *groups*, which the campaign level scores and
co-acts on as one theme (a narrative's theme id itself never changes):

- a theme is *young* for ``emerging_theme_s`` after it was founded. It keeps, per narrative, the
  language of the founding post (its script, and the platform's language tag when there is one) and
  the latest centroid (the founding vector, then the centroid a ``scored`` report brings while the
  narrative is young: one post is a noisy estimate of a claim);
- a young theme with ``emerging_accounts`` accounts is *emerging*;
- when a theme becomes emerging, and whenever an emerging theme's centroid is refreshed, it is
  compared with the other emerging themes not in its group: language by language (the unit centroid
  of a theme's narratives in one language), over pairs surely in different languages (different
  scripts, or two different tags; an untagged post may share the language of any post of its
  script). From ``translation_link_threshold`` up their groups join (into the closest one's group).

The gate is what makes the looser cosine safe: a theme meets only the few emerging themes (the 99th
percentile in bench.quality's worlds is 13 to 16), where a post meets hundreds of live narratives, and the
threshold is calibrated for that many comparisons, theme centroid against theme centroid
(docs/models.md#calibration). A threshold of 1.0 turns links off (models that do not cover every
script; the English default).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from detectors.config import DetectorConfig
from detectors.facts import decode_centroid

__all__ = ["TranslationLinks", "language_key"]

F32 = npt.NDArray[np.float32]


def language_key(lang: str | None) -> str | None:
    """``pt-BR`` -> ``pt``; None when unknown (a theme with no known language never links)."""
    if not lang:
        return None
    key = lang.strip().lower().replace("_", "-").split("-", 1)[0]
    return key or None


Language = tuple[str, str | None]  # (script of the founding post, language tag or None)


def different_languages(a: Language, b: Language) -> bool:
    """Whether two narratives are surely in different languages: different scripts, or both tagged
    and the tags differ (an untagged post in the same script may be in the same language)."""
    if a[0] != b[0]:
        return True
    return a[1] is not None and b[1] is not None and a[1] != b[1]


@dataclass(slots=True)
class _Young:
    born: float
    accounts: set[str] = field(default_factory=set)  # up to emerging_accounts
    # narrative -> its language and its latest centroid as the report encoded it (a snapshot restores
    # the same floats)
    langs: dict[str, Language] = field(default_factory=dict)
    centroids: dict[str, str] = field(default_factory=dict)
    _vectors: dict[str, F32] = field(default_factory=dict)

    def put(self, narrative_id: str, centroid: str) -> None:
        self.centroids[narrative_id] = centroid
        self._vectors[narrative_id] = decode_centroid(centroid)

    def by_language(self) -> dict[Language, F32]:
        """The unit centroid of the theme's narratives in each language (what calibration compares:
        one claim in one language against another)."""
        sums: dict[Language, F32] = {}
        for n, c in self.centroids.items():
            vector = self._vectors.get(n)
            if vector is None:
                vector = self._vectors[n] = decode_centroid(c)
            key = self.langs[n]
            sums[key] = sums[key] + vector if key in sums else vector.copy()
        return {k: v / np.float32(np.linalg.norm(v) or 1.0) for k, v in sums.items()}

    def to_list(self) -> list[Any]:
        narratives = [[n, list(self.langs[n]), c] for n, c in self.centroids.items()]
        return [self.born, sorted(self.accounts), narratives]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> _Young:
        young = cls(float(v[0]), {str(a) for a in v[1]})
        for n, (script, lang), c in v[2]:
            young.langs[str(n)] = (str(script), None if lang is None else str(lang))
            young.centroids[str(n)] = str(c)
        return young


class TranslationLinks:
    """Theme groups joined by translation links (module docstring)."""

    def __init__(self, cfg: DetectorConfig) -> None:
        self.cfg = cfg
        self.enabled = cfg.translation_link_threshold < 1.0
        self._young: OrderedDict[str, _Young] = OrderedDict()  # theme -> young theme, oldest first
        self._emerging: list[str] = []  # young themes with emerging_accounts accounts, in that order
        self._parent: dict[str, str] = {}  # theme -> the theme whose group it joined
        self.links = 0  # groups joined (a counter, not restored)

    def group_of(self, theme_id: str) -> str:
        """The theme that names ``theme_id``'s group (itself unless a link joined it to another)."""
        while (up := self._parent.get(theme_id)) is not None:
            theme_id = up
        return theme_id

    def born(
        self,
        narrative_id: str,
        theme_id: str,
        *,
        created: bool,
        t: float,
        script: str,
        lang: str | None,
        centroid: str,
    ) -> None:
        """A narrative was born into ``theme_id`` (which it founded when ``created``); ``script`` and
        ``lang``: its founding post's script and language tag."""
        if not self.enabled:
            return
        if created:
            self._age(t)
            self._young[theme_id] = _Young(t)
        young = self._young.get(theme_id)
        if young is None:
            return
        young.langs[narrative_id] = (script, language_key(lang))
        young.put(narrative_id, centroid)

    def observe(self, theme_id: str, account: str, t: float) -> list[tuple[str, str]]:
        """A post of ``account`` at ``t`` went to ``theme_id``; returns the groups a link joined, as
        (absorbed group, kept group)."""
        young = self._young.get(theme_id)
        if young is None or len(young.accounts) >= self.cfg.emerging_accounts:
            return []
        young.accounts.add(account)
        if len(young.accounts) < self.cfg.emerging_accounts:
            return []
        self._age(t)
        if theme_id not in self._young:
            return []
        merged = self._link(theme_id)
        self._emerging.append(theme_id)
        return merged

    def refresh(self, narrative_id: str, theme_id: str, centroid: str, t: float) -> list[tuple[str, str]]:
        """A young narrative's centroid moved (a ``scored`` report); an emerging theme re-checks."""
        young = self._young.get(theme_id)
        if young is None or narrative_id not in young.centroids:
            return []
        young.put(narrative_id, centroid)
        self._age(t)
        return self._link(theme_id) if theme_id in self._emerging else []

    def forget_themes(self, theme_ids: Iterable[str]) -> None:
        """Themes expired: a theme no other points to leaves the forest."""
        gone = set(theme_ids)
        if not gone or not self._parent:
            return
        pointed = set(self._parent.values())
        for theme in gone - pointed:
            self._parent.pop(theme, None)

    def _age(self, now: float) -> None:
        cutoff = now - self.cfg.emerging_theme_s
        aged = False
        while self._young and next(iter(self._young.values())).born < cutoff:
            self._young.popitem(last=False)
            aged = True
        if aged:
            self._emerging = [t for t in self._emerging if t in self._young]

    def _link(self, theme_id: str) -> list[tuple[str, str]]:
        young = self._young[theme_id]
        mine = young.by_language()
        group = self.group_of(theme_id)
        reached: list[tuple[float, str]] = []
        for other in self._emerging:
            if other == theme_id or self.group_of(other) == group:
                continue
            theirs = self._young[other].by_language()
            sims = [
                float(va @ vb)
                for ka, va in mine.items()
                for kb, vb in theirs.items()
                if different_languages(ka, kb)
            ]
            if sims and max(sims) >= self.cfg.translation_link_threshold:
                reached.append((max(sims), other))
        if not reached:
            return []
        kept = self.group_of(max(reached, key=lambda r: r[0])[1])  # max keeps the first of equals
        merged: list[tuple[str, str]] = []
        for absorbed in dict.fromkeys([group, *(self.group_of(t) for _, t in reached)]):
            if absorbed != kept:
                self._parent[absorbed] = kept
                merged.append((absorbed, kept))
        self.links += len(merged)
        return merged

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "young": [[t, y.to_list()] for t, y in self._young.items()],
            "emerging": list(self._emerging),
            "parent": [[c, p] for c, p in self._parent.items()],
        }

    @classmethod
    def restore(cls, snap: Mapping[str, Any] | None, cfg: DetectorConfig) -> TranslationLinks:
        """From :meth:`snapshot`; None (a snapshot from before links) starts empty."""
        links = cls(cfg)
        if snap is not None:
            links._young = OrderedDict((str(t), _Young.from_list(v)) for t, v in snap["young"])
            links._emerging = [str(t) for t in snap["emerging"]]
            links._parent = {str(c): str(p) for c, p in snap["parent"]}
        return links
