"""Every threshold and weight of the detection core, in one frozen, validated object.

:class:`DetectorConfig` is built in code (defaults), or from a mapping read by the CLI / stream worker
from a JSON or TOML file (:meth:`DetectorConfig.from_mapping`). Unknown keys and out-of-range values
raise :class:`ConfigError` naming the key, so a typo in a config file never silently falls back to a
default. ``docs/detection.md`` explains what each value does; the ``doc`` metadata of each field is the
one-line version.

The cosine thresholds (``similarity_threshold``, ``uncovered_script_threshold``, ``model_scripts``,
``tightness_low/high``) depend on the embedding model: their defaults here are the historical
all-MiniLM-L6-v2 values; the entry points start from the model's profile instead
(``detectors.profiles.detector_config``, docs/models.md).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Final

__all__ = ["ALL_SCRIPTS", "SEVERITY_ORDER", "SIGNAL_NAMES", "ConfigError", "DetectorConfig"]

#: ``model_scripts`` value meaning "the embedding model covers every script" (multilingual models).
ALL_SCRIPTS: Final = "*"

#: Weighted coordination signals (the score is their weighted mean over the available ones).
SIGNAL_NAMES: Final = (
    "near_duplicate",
    "synchrony",
    "burstiness",
    "co_links",
    "co_hashtags",
    "reposts",
    "new_accounts",
    "low_followers",
    "tightness",
)

SEVERITY_ORDER: Final = ("low", "medium", "high", "critical")

_DEFAULT_WEIGHTS: Final = {
    "near_duplicate": 0.30,
    "synchrony": 0.20,
    "burstiness": 0.10,
    "co_links": 0.15,
    "co_hashtags": 0.15,
    "reposts": 0.10,
    "new_accounts": 0.15,
    "low_followers": 0.05,
    "tightness": 0.10,
}
_DEFAULT_SEVERITY: Final = {"low": 0.50, "medium": 0.60, "high": 0.72, "critical": 0.85}


class ConfigError(ValueError):
    """A detector configuration value is unknown, of the wrong type or out of range."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def _num(lo: float, hi: float, doc: str, *, integer: bool = False) -> dict[str, Any]:
    return {"range": (lo, hi), "doc": doc, "integer": integer}


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds, weights and bounds of the detector. All times are event-time seconds."""

    # --- narrative clustering -------------------------------------------------------------------
    similarity_threshold: float = field(
        default=0.72, metadata=_num(0.0, 1.0, "cosine to join a narrative, scripts the model covers")
    )
    uncovered_script_threshold: float = field(
        default=0.93,
        metadata=_num(0.0, 1.0, "cosine to join a narrative for scripts outside model_scripts"),
    )
    model_scripts: tuple[str, ...] = field(
        default=("latin",),
        metadata={"doc": "scripts the embedding model was trained on; ['*'] for a multilingual model"},
    )
    group_thresholds: Mapping[str, float] = field(
        default_factory=lambda: _frozen({}),
        metadata={"doc": "explicit per-script join thresholds; override the two values above"},
    )
    idle_expiry_s: float = field(
        default=7200.0, metadata=_num(1.0, 30 * 86400.0, "a narrative with no mention for this long closes")
    )
    max_live_narratives: int = field(
        default=50_000,
        metadata=_num(1, 10_000_000, "live narratives kept; the least recent is evicted", integer=True),
    )
    min_tokens: int = field(
        default=3,
        metadata=_num(0, 100, "texts with fewer tokens and no link stay out of clustering", integer=True),
    )
    # --- per-narrative window ---------------------------------------------------------------------
    window_s: float = field(default=21600.0, metadata=_num(60.0, 30 * 86400.0, "scoring window length"))
    window_max_records: int = field(
        default=400, metadata=_num(10, 100_000, "records kept per narrative for scoring", integer=True)
    )
    rescore_min_mentions: int = field(
        default=5, metadata=_num(1, 10_000, "new mentions before a narrative is re-scored", integer=True)
    )
    rescore_fraction: float = field(
        default=0.25, metadata=_num(0.0, 10.0, "or this fraction of its window, whichever is larger")
    )
    rescore_s: float = field(
        default=300.0, metadata=_num(0.0, 86400.0, "a touched narrative is re-scored at least this often")
    )
    idle_rescore_min_score: float = field(
        default=0.25,
        metadata=_num(0.0, 1.0, "below this score a narrative is re-scored only by the count rule"),
    )
    # --- coordination interval (CooRnet-style estimate) -----------------------------------------
    interval_default_s: float = field(
        default=30.0, metadata=_num(0.0, 86400.0, "coordination interval until enough data exists")
    )
    interval_floor_s: float = field(default=1.0, metadata=_num(0.0, 86400.0, "lower clamp of the estimate"))
    interval_max_s: float = field(default=60.0, metadata=_num(0.0, 86400.0, "upper clamp of the estimate"))
    interval_fastest_share: float = field(
        default=0.1, metadata=_num(0.001, 1.0, "share of narratives with the quickest second post used")
    )
    interval_min_samples: int = field(
        default=50, metadata=_num(1, 1_000_000, "narratives needed before the estimate is used", integer=True)
    )
    interval_max_samples: int = field(
        default=2000, metadata=_num(1, 1_000_000, "recent narratives kept for the estimate", integer=True)
    )
    sync_reference_s: float = field(
        default=600.0,
        metadata=_num(1.0, 86400.0, "half-width of the window giving the chance level of synchrony"),
    )
    # --- signals -----------------------------------------------------------------------------------
    content_min_tokens: int = field(
        default=8,
        metadata=_num(0, 100, "shorter texts do not count for near-duplicate or tightness", integer=True),
    )
    near_dup_hamming: int = field(
        default=3, metadata=_num(0, 3, "simhash bits that may differ for a near-duplicate", integer=True)
    )
    new_account_days: float = field(
        default=30.0, metadata=_num(0.0, 36500.0, "an account this young at posting time is new")
    )
    low_followers: int = field(
        default=50, metadata=_num(0, 10**9, "fewer followers than this counts as low", integer=True)
    )
    author_coverage: float = field(
        default=0.5, metadata=_num(0.0, 1.0, "share of posts with an author feature for it to count")
    )
    min_feature_posts: int = field(
        default=2,
        metadata=_num(1, 10_000, "posts with links/hashtags/reposts for that signal to count", integer=True),
    )
    burst_recent_s: float = field(
        default=600.0, metadata=_num(1.0, 86400.0, "the recent window whose rate is compared")
    )
    burst_ratio_full: float = field(
        default=10.0, metadata=_num(1.0, 1e9, "recent/earlier rate ratio at which burstiness saturates")
    )
    burst_share_full: float = field(
        default=0.02, metadata=_num(1e-9, 1.0, "share of the stream's volume at which burstiness saturates")
    )
    background_half_life_s: float = field(
        default=1800.0, metadata=_num(1.0, 30 * 86400.0, "half-life of the stream background-rate estimate")
    )
    tightness_low: float = field(default=0.72, metadata=_num(0.0, 1.0, "mean similarity scored 0"))
    tightness_high: float = field(default=0.95, metadata=_num(0.0, 1.0, "mean similarity scored 1"))
    # --- combination -------------------------------------------------------------------------------
    weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(_DEFAULT_WEIGHTS), metadata={"doc": "weight of each signal"}
    )
    min_accounts: int = field(
        default=5, metadata=_num(2, 1_000_000, "distinct accounts needed before any alert", integer=True)
    )
    accounts_scale: float = field(
        default=5.0,
        metadata=_num(0.1, 1e6, "accounts above the minimum at which the account gate reaches 0.82"),
    )
    severity: Mapping[str, float] = field(
        default_factory=lambda: _frozen(_DEFAULT_SEVERITY),
        metadata={"doc": "score at which each severity starts; 'low' is the alert threshold"},
    )
    authentic_share: float = field(
        default=0.5,
        metadata=_num(0.0, 1.0, "allowlisted share of posts/accounts/core that makes it authentic"),
    )
    # --- lifecycle ---------------------------------------------------------------------------------
    revision_growth: float = field(
        default=0.25, metadata=_num(0.0, 100.0, "size/accounts growth that makes a new revision")
    )
    min_revision_s: float = field(
        default=300.0, metadata=_num(0.0, 86400.0, "event time between revisions (not for severity rises)")
    )
    # --- analyst loop: watchlist, sensors, verdicts (docs/analyst-guide.md) --------------------------
    # Calibrated by `python -m bench.claims` (detectors/watchlist.py): all-MiniLM-L6-v2 0.78 same
    # language; multilingual-e5-small 0.94 same / 0.89 cross-language. The English-only default
    # model does not match across languages: its calibrated 0.33 sits in the noise of its non-English
    # vectors, so the cross value stays at the same-language one until a multilingual profile sets it.
    claim_match_threshold: float = field(
        default=0.78,
        metadata=_num(0.0, 1.0, "cosine to a claim wording in the same language to match it (model profile)"),
    )
    claim_match_cross_threshold: float = field(
        default=0.78,
        metadata=_num(0.0, 1.0, "cosine to a claim wording in another language to match it (model profile)"),
    )
    resurfacing_min_accounts: int = field(
        default=3,
        metadata=_num(
            1, 1_000_000, "distinct accounts matching a claim that make it resurface", integer=True
        ),
    )
    resurfacing_window_s: float = field(
        default=3600.0, metadata=_num(1.0, 30 * 86400.0, "those accounts must match within this time")
    )
    reply_storm_window_s: float = field(
        default=1800.0, metadata=_num(60.0, 7 * 86400.0, "replies to one target judged together")
    )
    reply_storm_max_targets: int = field(
        default=10_000,
        metadata=_num(
            1, 10_000_000, "targets (account or post) watched; the least recent is dropped", integer=True
        ),
    )
    verdict_false_positive_growth: float = field(
        default=2.0,
        metadata=_num(1.01, 1000.0, "growth that lets a false-positive alert publish a revision again"),
    )
    # --- evidence bounds ---------------------------------------------------------------------------
    max_tracked_accounts: int = field(
        default=5000,
        metadata=_num(10, 10_000_000, "distinct accounts counted exactly per narrative", integer=True),
    )
    timeline_max_minutes: int = field(
        default=720, metadata=_num(1, 100_000, "per-minute timeline points kept", integer=True)
    )
    evidence_top_n: int = field(
        default=10, metadata=_num(1, 1000, "accounts, links and hashtags listed in evidence", integer=True)
    )
    max_sample_texts: int = field(
        default=20, metadata=_num(1, 1000, "distinct texts kept per narrative for labels", integer=True)
    )

    # --- campaign level: themes (docs/detection.md, "Campaigns") -------------------------------------
    # all-MiniLM-L6-v2, derived by `python -m bench.theme_calibration` (no post of 12 subjects joins
    # another subject's centroid at 0.36; 95% reach their own). Model profiles set it per model.
    theme_threshold: float = field(
        default=0.36,
        metadata=_num(0.0, 1.0, "cosine of a new narrative to a theme centroid to join that theme"),
    )
    theme_idle_expiry_s: float = field(
        default=86400.0,
        metadata=_num(1.0, 30 * 86400.0, "a theme no new narrative joined for this long ends"),
    )
    max_live_themes: int = field(
        default=20_000,
        metadata=_num(1, 10_000_000, "live themes kept; the least recent is evicted", integer=True),
    )
    # Translation links (docs/detection.md, "Translations"): a new narrative whose first post is in
    # another language than every narrative of an *emerging* theme (born at most ``emerging_theme_s``
    # ago, ``emerging_accounts`` accounts already) joins it from this cosine to one of those narratives'
    # founding posts. 1.0 turns links off: the default model and any model that does not cover every
    # script; a multilingual profile sets it (`choruswatch calibrate`, docs/models.md#calibration).
    translation_link_threshold: float = field(
        default=1.0,
        metadata=_num(0.0, 1.0, "cosine of a new narrative to an emerging theme in another language"),
    )
    emerging_theme_s: float = field(
        default=900.0,
        metadata=_num(60.0, 86400.0, "a theme this young with emerging_accounts accounts is emerging"),
    )
    emerging_accounts: int = field(
        default=2,
        metadata=_num(1, 1_000_000, "accounts a young theme needs to be emerging", integer=True),
    )
    # --- campaign level: the account co-action graph ----------------------------------------------
    coaction_window_s: float = field(
        default=60.0,
        metadata=_num(1.0, 86400.0, "two accounts co-act when they act on one object this close"),
    )
    coaction_fast_s: float = field(
        default=10.0, metadata=_num(0.0, 86400.0, "co-actions this close form the fast, synchronised core")
    )
    edge_half_life_s: float = field(
        default=21600.0, metadata=_num(60.0, 365 * 86400.0, "half-life of an edge's co-action weight")
    )
    edge_min_weight: float = field(
        # 1.5: two co-actions at most one half-life apart (each adds 1, then halves per half-life).
        default=1.5,
        metadata=_num(0.0, 1e6, "weight an edge needs to count as repeated co-action"),
    )
    edge_percentile: float = field(
        default=0.5, metadata=_num(0.0, 1.0, "and its weight must exceed this percentile of live edges")
    )
    edge_min_symmetry: float = field(
        default=0.5, metadata=_num(0.0, 1.0, "smaller/larger share of posts the two sides contributed")
    )
    edge_floor: float = field(
        default=0.5, metadata=_num(0.0, 1e6, "an edge whose decayed weight falls below this is dropped")
    )
    min_participation: int = field(
        default=2,
        metadata=_num(1, 1_000_000, "co-acting posts an account needs for a strong edge", integer=True),
    )
    max_partners: int = field(
        default=50,
        metadata=_num(1, 100_000, "latest partners per object a post is paired with", integer=True),
    )
    busy_object_accounts: int = field(
        default=20,
        metadata=_num(
            2,
            1_000_000,
            "an object with more accounts in the window pairs nobody unless it bursts",
            integer=True,
        ),
    )
    burst_alpha: float = field(
        default=1e-4,
        metadata=_num(
            0.0, 1.0, "Poisson tail below which accounts on one object within the window are a burst"
        ),
    )
    object_half_life_s: float = field(
        default=1800.0, metadata=_num(1.0, 30 * 86400.0, "half-life of an object's background rate")
    )
    max_graph_objects: int = field(
        default=200_000, metadata=_num(1, 100_000_000, "objects tracked by the graph", integer=True)
    )
    max_graph_accounts: int = field(
        default=200_000, metadata=_num(1, 100_000_000, "accounts tracked by the graph", integer=True)
    )
    max_graph_edges: int = field(
        default=200_000, metadata=_num(1, 100_000_000, "account pairs tracked by the graph", integer=True)
    )
    # --- campaign level: campaigns -------------------------------------------------------------------
    campaign_seed_score: float = field(
        default=0.30,
        metadata=_num(0.0, 1.0, "a narrative scoring this much makes its accounts a campaign candidate"),
    )
    campaign_merge_share: float = field(
        default=0.2,
        metadata=_num(0.0, 1.0, "share of a group's accounts already in a campaign for them to merge"),
    )
    campaign_narrative_share: float = field(
        default=0.5,
        metadata=_num(0.0, 1.0, "share of a narrative's accounts in a campaign for it to cover it"),
    )
    coaction_weight: float = field(
        default=0.20,
        metadata=_num(0.0, 1000.0, "weight of the repeated co-action signal in a campaign score"),
    )
    campaign_rescore_s: float = field(
        # A wave lands within ~40 s; judging it every 10 s costs little delay and bounds scoring work.
        default=10.0,
        metadata=_num(0.0, 86400.0, "a growing campaign is re-scored at most this often"),
    )
    campaign_idle_s: float = field(
        default=21600.0,
        metadata=_num(60.0, 30 * 86400.0, "a campaign whose accounts were idle this long closes"),
    )
    campaign_max_records: int = field(
        # As window_max_records for narratives: scoring cost grows with n log n of the window.
        default=400,
        metadata=_num(10, 1_000_000, "posts kept per campaign for its score", integer=True),
    )
    campaign_max_accounts: int = field(
        default=5000, metadata=_num(2, 10_000_000, "accounts per campaign", integer=True)
    )
    max_live_campaigns: int = field(
        default=5000, metadata=_num(1, 10_000_000, "live campaigns; the least recent is closed", integer=True)
    )

    def __post_init__(self) -> None:
        # Direct construction is validated exactly like from_mapping; mappings are frozen so the
        # config stays immutable.
        object.__setattr__(self, "model_scripts", tuple(self.model_scripts))
        for name in ("group_thresholds", "weights", "severity"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        self._validate()

    # -- validation ---------------------------------------------------------------------------------

    def _validate(self) -> None:
        for f in fields(self):
            spec = f.metadata.get("range")
            if spec is None:
                continue
            value = getattr(self, f.name)
            integer = bool(f.metadata.get("integer"))
            _check_number(f.name, value, spec, integer=integer)
            # TOML/JSON may spell an integer as 5.0; keep the declared type.
            object.__setattr__(self, f.name, int(value) if integer else float(value))
        if not self.model_scripts or not all(isinstance(s, str) and s for s in self.model_scripts):
            raise ConfigError("model_scripts", "must be a non-empty list of script names")
        for script, value in self.group_thresholds.items():
            _check_number(f"group_thresholds.{script}", value, (0.0, 1.0))
        unknown = sorted(set(self.weights) - set(SIGNAL_NAMES))
        if unknown:
            raise ConfigError(f"weights.{unknown[0]}", f"unknown signal; known: {', '.join(SIGNAL_NAMES)}")
        for name, value in self.weights.items():
            _check_number(f"weights.{name}", value, (0.0, 1000.0))
        if sum(self.weights.values()) <= 0:
            raise ConfigError("weights", "at least one weight must be positive")
        if set(self.severity) != set(SEVERITY_ORDER):
            raise ConfigError("severity", f"needs exactly the keys {', '.join(SEVERITY_ORDER)}")
        bands = [self.severity[s] for s in SEVERITY_ORDER]
        for name, value in zip(SEVERITY_ORDER, bands, strict=True):
            _check_number(f"severity.{name}", value, (0.0, 1.0))
        if any(a >= b for a, b in itertools.pairwise(bands)):
            raise ConfigError("severity", "thresholds must increase from low to critical")
        if self.interval_floor_s > self.interval_max_s:
            raise ConfigError("interval_floor_s", "must not exceed interval_max_s")
        if self.tightness_low >= self.tightness_high:
            raise ConfigError("tightness_low", "must be below tightness_high")
        if self.coaction_fast_s > self.coaction_window_s:
            raise ConfigError("coaction_fast_s", "must not exceed coaction_window_s")

    # -- derived values -----------------------------------------------------------------------------

    @property
    def alert_threshold(self) -> float:
        """Score from which a narrative alerts (the 'low' band)."""
        return self.severity["low"]

    def clusterer_group_thresholds(self, scripts: tuple[str, ...] = ()) -> dict[str, float]:
        """Join threshold per script group handed to the clusterer.

        The clusterer uses ``similarity_threshold`` for groups it has no entry for, so only scripts
        outside ``model_scripts`` (from ``scripts``, the scripts the text module can report) and the
        explicit ``group_thresholds`` overrides are listed.
        """
        out: dict[str, float] = {}
        if ALL_SCRIPTS not in self.model_scripts:
            for script in scripts:
                if script not in self.model_scripts:
                    out[script] = self.uncovered_script_threshold
        out.update(self.group_thresholds)
        return out

    def severity_for(self, score: float) -> str | None:
        """The severity band of ``score``, or None below the alert threshold."""
        found: str | None = None
        for name in SEVERITY_ORDER:
            if score >= self.severity[name]:
                found = name
        return found

    def thresholds(self) -> dict[str, float]:
        """The thresholds in force, for the ``detector`` block of every alert."""
        out = {
            "similarity": self.similarity_threshold,
            "uncovered_script_similarity": self.uncovered_script_threshold,
            "min_accounts": float(self.min_accounts),
            "near_dup_hamming": float(self.near_dup_hamming),
            "new_account_days": self.new_account_days,
        }
        out.update({f"severity_{k}": v for k, v in self.severity.items()})
        out.update({f"weight_{k}": v for k, v in self.weights.items()})
        return out

    def campaign_thresholds(self) -> dict[str, float]:
        """The thresholds of the campaign level, for the ``detector`` block of every Alert v2."""
        out = self.thresholds()
        for name in (
            "theme_threshold",
            "coaction_window_s",
            "coaction_fast_s",
            "edge_half_life_s",
            "edge_min_weight",
            "edge_percentile",
            "edge_min_symmetry",
            "burst_alpha",
            "campaign_seed_score",
            "coaction_weight",
        ):
            out[name] = float(getattr(self, name))
        return out

    # -- (de)serialisation --------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DetectorConfig:
        """Build from a decoded JSON/TOML mapping; missing keys keep their defaults.

        ``weights`` and ``severity`` may be partial: given entries replace the defaults. Raises
        :class:`ConfigError` naming the first unknown or invalid key.
        """
        if not isinstance(data, Mapping):
            raise ConfigError("$", f"expected a mapping, got {type(data).__name__}")
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(str(key), "unknown configuration key")
            if key in ("weights", "severity", "group_thresholds"):
                if not isinstance(value, Mapping):
                    raise ConfigError(key, f"expected a table/object, got {type(value).__name__}")
                base: dict[str, float] = {"weights": _DEFAULT_WEIGHTS, "severity": _DEFAULT_SEVERITY}.get(
                    key, {}
                )
                if key == "severity":
                    unknown = sorted(set(value) - set(SEVERITY_ORDER))
                    if unknown:
                        raise ConfigError(f"severity.{unknown[0]}", "unknown severity")
                kwargs[key] = {**base, **value}
            elif key == "model_scripts":
                if isinstance(value, str) or not isinstance(value, list | tuple):
                    raise ConfigError(key, "expected a list of script names")
                kwargs[key] = tuple(value)
            else:
                kwargs[key] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable mapping that :meth:`from_mapping` turns back into an equal config."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def _check_number(key: str, value: object, spec: tuple[float, float], *, integer: bool = False) -> None:
    lo, hi = spec
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"expected a number, got {type(value).__name__}")
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        raise ConfigError(key, f"expected an integer, got {value!r}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(key, f"must be between {lo:g} and {hi:g}, got {value!r}")
