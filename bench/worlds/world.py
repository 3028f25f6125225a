"""One generated world: :func:`generate` builds it, :class:`World` writes its files."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.worlds.builder import Builder, CampaignRecord
from bench.worlds.campaigns import CAMPAIGNS
from bench.worlds.model import Post, iso
from bench.worlds.negatives import NEGATIVES
from bench.worlds.organic import SubjectTimeline, cascades, chatter
from bench.worlds.profiles import profile as get_profile

# Every world starts at midnight UTC of a day in March 2026 chosen by the seed, so that weekday and
# time-of-day effects differ between seeds while each seed is reproducible.
FIRST_DAY = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
# The organic conversation must stay the larger part of the stream for the scenario to mean anything.
MIN_ORGANIC_SHARE = 0.5


@dataclass(slots=True)
class World:
    seed: int
    profile: str
    start: float
    hours: float
    posts: list[Post]  # in created_at order
    allowlist: dict[str, str]  # account id -> why
    campaigns: list[CampaignRecord]

    def mentions(self) -> Iterator[dict[str, Any]]:
        return (p.to_mention() for p in self.posts)

    def labels(self) -> Iterator[dict[str, Any]]:
        return (p.to_label() for p in self.posts)

    def manifest(self) -> dict[str, Any]:
        """What was generated: counts per kind and every campaign instance with its drawn parameters."""
        return {
            "seed": self.seed,
            "profile": self.profile,
            "start": iso(self.start),
            "hours": self.hours,
            "mentions": len(self.posts),
            "by_kind": dict(sorted(Counter(p.kind for p in self.posts).items())),
            "campaigns": [
                {
                    "label": c.label,
                    "kind": c.kind,
                    "langs": list(c.langs),
                    "accounts": len(c.accounts),
                    "mentions": sum(1 for p in self.posts if p.label == c.label),
                    **c.params,
                }
                for c in self.campaigns
            ],
        }

    def write(
        self, mentions: Path, labels: Path, allowlist: Path | None = None, manifest: Path | None = None
    ) -> None:
        _write_jsonl(mentions, self.mentions())
        _write_jsonl(labels, self.labels())
        if allowlist is not None:
            lines = [
                f"# official accounts of world seed {self.seed} ({self.profile}); one author id per line"
            ]
            lines += [f"{account_id}  # {why}" for account_id, why in sorted(self.allowlist.items())]
            allowlist.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if manifest is not None:
            manifest.write_text(
                json.dumps(self.manifest(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def generate(
    seed: int, profile: str = "default", mentions: int | None = None, hours: float | None = None
) -> World:
    """Build the world of ``seed`` under ``profile``; the same arguments always give the same world."""
    spec = get_profile(profile)
    n = spec.mentions if mentions is None else mentions
    h = spec.hours if hours is None else hours
    if n < 1:
        raise ValueError(f"mentions must be at least 1, got {n}")
    if not 1.0 <= h <= 24.0 * 14:
        raise ValueError(f"hours must be between 1 and 336, got {h}")
    start = FIRST_DAY + (seed % 28) * 86_400.0
    b = Builder(seed, start, h, dict(spec.lang_mix), n_users=max(200, int(n * spec.users_per_mention)))
    timeline = SubjectTimeline(b)
    for kind, instances in spec.negatives.items():
        for index in range(1, instances + 1):
            NEGATIVES[kind](b, index)
    for kind, instances in spec.campaigns.items():
        for index in range(1, instances + 1):
            CAMPAIGNS[kind](b, index)
    scripted = len(b.posts)
    if n - scripted < MIN_ORGANIC_SHARE * n:
        need = int(scripted / (1.0 - MIN_ORGANIC_SHARE)) + 1
        raise ValueError(
            f"--mentions {n} is too small for profile {profile!r}: its campaigns and events alone "
            f"take {scripted} mentions; use at least {need}"
        )
    cascades(b, timeline, int((n - scripted) * spec.cascade_share))
    chatter(b, timeline, n - len(b.posts))
    b.posts.sort(key=lambda p: (p.time, p.id))
    return World(seed, profile, start, h, b.posts, b.allowlist, b.campaigns)
