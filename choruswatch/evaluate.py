"""`choruswatch evaluate`: score a detection run against the labels written by `choruswatch simulate`.

Inputs are three JSON-lines files: the alert revisions (Alert v1 per narrative or Alert v2 per
campaign, even mixed), the assignments (`{"mention_id", "narrative_id"}` per mention, plus
`"theme_id"` and `"campaign_id"` from the campaign level) and the labels (`{"mention_id", "label",
"topic", "kind", "created_at"}` per mention). The metric functions below are pure and work on
in-memory values, so they are unit-tested without files.

Definitions
-----------
* An *inauthentic campaign* is a label other than ``organic`` and not starting with ``official:``;
  an *official campaign* is a label starting with ``official:``.
* An alert is *inauthentic* when at least one of its revisions says ``authentic: false``.
* **Coverage.** A v1 alert covers the mentions the assignments file puts in its ``narrative.id``; a v2
  (campaign) alert covers the mentions of every narrative any of its revisions lists in
  ``campaign.narrative_ids`` (the contract: every revision lists every narrative it covers).
* **Matching rule.** Among the mentions an alert covers that have a label, the label held by the most mentions (the
  plurality; ties broken by label name so the result is deterministic) is the alert's match, provided
  it also holds at least ``min_share`` (default 0.5) of them. A plurality of ``organic``, a share
  below ``min_share`` or a narrative with no labelled mention means the alert matches no campaign.
* **Campaign recall**: share of inauthentic campaigns matched by at least one inauthentic alert.
* **Alert precision**: share of distinct inauthentic alert ids that match an inauthentic campaign.
* **False alerts per 100k organic mentions**: inauthentic alerts that match no inauthentic campaign
  (organic chatter, an official campaign or a mixture), per 100,000 mentions labelled ``organic``.
* **Official campaigns flagged**: official campaigns matched by at least one inauthentic alert.
* **Detection delay** of a detected campaign: from its first post's ``created_at`` to the ``as_of``
  of the first inauthentic revision of its earliest matching alert (an authentic revision is not a
  detection). The report gives the median over detected campaigns.
* **Alerts per detected campaign**: distinct inauthentic alerts that match an inauthentic campaign,
  divided by the number of campaigns detected (1.0: one alert per campaign).
* **Drip delay**: the longest detection delay among detected campaigns of kind ``drip``.
* **BCubed** precision / recall / F1 (Bagga & Baldwin 1998; Amigó et al. 2009) of the narrative
  clustering: items are the mentions present in both files, clusters are narrative ids, gold classes
  are the label ``topic``. Precision of an item is the share of its cluster that shares its gold
  class; recall is the share of its gold class that shares its cluster; both are averaged over items.
  A mention the detector kept out of clustering (``narrative_id: null``, e.g. a very short text)
  counts as a cluster of its own. **Theme BCubed** is the same with theme ids as clusters (the
  topic-level clustering the campaign level builds; a mention without a theme is its own cluster),
  when the assignments carry ``theme_id``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ORGANIC = "organic"
OFFICIAL_PREFIX = "official:"
DEFAULT_MIN_SHARE = 0.5
UNCLUSTERED_PREFIX = "unclustered:"

# Targets of the campaigns issue on the default scenario and two other seeds: (figure, comparison, value).
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("campaign_recall", ">=", 0.95),
    ("alert_precision", ">=", 0.95),
    ("false_alerts_per_100k_organic", "<=", 1.0),
    ("alerts_per_detected_campaign", "<=", 1.2),
    ("official_flagged_count", "<=", 0.0),
    ("median_delay_minutes", "<=", 5.0),
    ("drip_delay_minutes", "<=", 60.0),
    ("theme_bcubed_f1", ">=", 0.8),
)


@dataclass(frozen=True, slots=True)
class GoldLabel:
    label: str
    topic: str
    kind: str
    created_at: float | None = None


@dataclass(frozen=True, slots=True)
class AlertRevision:
    alert_id: str
    revision: int
    as_of: float
    authentic: bool
    narrative_id: str  # v1: the narrative; v2: the first of narrative_ids
    severity: str = ""
    narrative_ids: tuple[str, ...] = ()  # every narrative the revision covers (v1: its one narrative)

    @property
    def covers(self) -> tuple[str, ...]:
        return self.narrative_ids or (self.narrative_id,)


@dataclass(frozen=True, slots=True)
class BCubed:
    precision: float
    recall: float
    f1: float
    items: int


@dataclass(frozen=True, slots=True)
class AlertMatch:
    alert_id: str
    narrative_id: str  # the first covered narrative (v1: its narrative)
    label: str | None
    share: float
    labelled: int
    inauthentic: bool
    detected_at: float | None


@dataclass(slots=True)
class Report:
    campaigns: list[str]
    detected_campaigns: list[str]
    missed_campaigns: list[str]
    campaign_recall: float | None
    inauthentic_alerts: int
    true_alerts: int
    false_alerts: int
    alert_precision: float | None
    organic_mentions: int
    false_alerts_per_100k_organic: float | None
    official_campaigns: list[str]
    official_flagged: list[str]
    official_flagged_count: int
    delays_s: dict[str, float]
    median_delay_s: float | None
    median_delay_minutes: float | None
    bcubed: BCubed
    alerts_total: int
    revisions_total: int
    min_share: float
    false_alert_ids: list[str] = field(default_factory=list)
    alerts_per_detected_campaign: float | None = None
    alerts_by_campaign: dict[str, int] = field(default_factory=dict)  # inauthentic alerts per campaign
    drip_delay_minutes: float | None = None
    theme_bcubed: BCubed | None = None

    @property
    def theme_bcubed_f1(self) -> float | None:
        return None if self.theme_bcubed is None else self.theme_bcubed.f1

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["theme_bcubed_f1"] = self.theme_bcubed_f1
        return out


# -- pure metrics ---------------------------------------------------------------------------------


def is_inauthentic_campaign(label: str) -> bool:
    return label != ORGANIC and not label.startswith(OFFICIAL_PREFIX)


def bcubed(clusters: Mapping[str, str], gold: Mapping[str, str]) -> BCubed:
    """BCubed precision, recall and F1 over the items present in both mappings (item → cluster/class).

    Computed from the contingency table: an item in cell (cluster c, class g) with n items has
    precision n/|c| and recall n/|g|, so the sums are Σ n²/|c| and Σ n²/|g| over cells.
    """
    cells: Counter[tuple[str, str]] = Counter()
    for item, cluster in clusters.items():
        cls = gold.get(item)
        if cls is not None:
            cells[(cluster, cls)] += 1
    total = sum(cells.values())
    if total == 0:
        return BCubed(0.0, 0.0, 0.0, 0)
    cluster_size: Counter[str] = Counter()
    class_size: Counter[str] = Counter()
    for (cluster, cls), n in cells.items():
        cluster_size[cluster] += n
        class_size[cls] += n
    precision = sum(n * n / cluster_size[c] for (c, _), n in cells.items()) / total
    recall = sum(n * n / class_size[g] for (_, g), n in cells.items()) / total
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1, total)


def narrative_labels(
    assignments: Mapping[str, str], labels: Mapping[str, GoldLabel]
) -> dict[str, Counter[str]]:
    """narrative id → counts of gold labels among the labelled mentions assigned to it."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for mention_id, narrative_id in assignments.items():
        gold = labels.get(mention_id)
        if gold is not None:
            out[narrative_id][gold.label] += 1
    return dict(out)


def plurality_match(counts: Counter[str] | None, min_share: float) -> tuple[str | None, float, int]:
    """(matched label or None, its share, labelled mentions) under the matching rule of this module."""
    if not counts:
        return None, 0.0, 0
    total = sum(counts.values())
    label, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    share = n / total
    if label == ORGANIC or share < min_share:
        return None, share, total
    return label, share, total


def match_alerts(
    revisions: Iterable[AlertRevision],
    assignments: Mapping[str, str],
    labels: Mapping[str, GoldLabel],
    *,
    min_share: float = DEFAULT_MIN_SHARE,
) -> list[AlertMatch]:
    """One AlertMatch per distinct alert id, sorted by alert id."""
    by_alert: dict[str, list[AlertRevision]] = defaultdict(list)
    for rev in revisions:
        by_alert[rev.alert_id].append(rev)
    per_narrative = narrative_labels(assignments, labels)
    matches = []
    for alert_id in sorted(by_alert):
        revs = sorted(by_alert[alert_id], key=lambda r: (r.revision, r.as_of))
        # A campaign alert covers every narrative any revision listed; a v1 alert its one narrative.
        covered = dict.fromkeys(nid for r in revs for nid in r.covers)
        counts: Counter[str] = Counter()
        for nid in covered:
            counts.update(per_narrative.get(nid, Counter()))
        narrative_id = revs[-1].narrative_id
        inauthentic_revs = [r for r in revs if not r.authentic]
        label, share, labelled = plurality_match(counts, min_share)
        matches.append(
            AlertMatch(
                alert_id=alert_id,
                narrative_id=narrative_id,
                label=label,
                share=share,
                labelled=labelled,
                inauthentic=bool(inauthentic_revs),
                detected_at=inauthentic_revs[0].as_of if inauthentic_revs else None,
            )
        )
    return matches


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def evaluate(
    revisions: Sequence[AlertRevision],
    assignments: Mapping[str, str],
    labels: Mapping[str, GoldLabel],
    *,
    min_share: float = DEFAULT_MIN_SHARE,
    themes: Mapping[str, str] | None = None,
) -> Report:
    """Every figure of the report; see the module docstring for the definitions. ``themes`` (mention
    -> theme id) adds the theme-level BCubed."""
    matches = match_alerts(revisions, assignments, labels, min_share=min_share)
    label_counts = Counter(g.label for g in labels.values())
    campaigns = sorted(lab for lab in label_counts if is_inauthentic_campaign(lab))
    officials = sorted(lab for lab in label_counts if lab.startswith(OFFICIAL_PREFIX))
    first_post: dict[str, float] = {}
    for gold in labels.values():
        if gold.created_at is not None and (
            gold.label not in first_post or gold.created_at < first_post[gold.label]
        ):
            first_post[gold.label] = gold.created_at

    inauthentic = [m for m in matches if m.inauthentic]
    true_alerts = [m for m in inauthentic if m.label is not None and is_inauthentic_campaign(m.label)]
    false_alerts = [m for m in inauthentic if m not in true_alerts]
    detected_at: dict[str, float] = {}
    for m in true_alerts:
        if m.label is None or m.detected_at is None:  # cannot happen after the filters; keeps mypy exact
            continue
        if m.label not in detected_at or m.detected_at < detected_at[m.label]:
            detected_at[m.label] = m.detected_at
    delays = {c: detected_at[c] - first_post[c] for c in sorted(detected_at) if c in first_post}
    flagged = sorted(
        {m.label for m in inauthentic if m.label is not None and m.label.startswith(OFFICIAL_PREFIX)}
    )
    organic = label_counts.get(ORGANIC, 0)
    median = statistics.median(delays.values()) if delays else None
    gold_topics = {mid: g.topic for mid, g in labels.items()}
    kind_of = {g.label: g.kind for g in labels.values()}
    drip_delays = [d for c, d in delays.items() if kind_of.get(c) == "drip"]
    return Report(
        campaigns=campaigns,
        detected_campaigns=sorted(detected_at),
        missed_campaigns=[c for c in campaigns if c not in detected_at],
        campaign_recall=_ratio(len(detected_at), len(campaigns)),
        inauthentic_alerts=len(inauthentic),
        true_alerts=len(true_alerts),
        false_alerts=len(false_alerts),
        alert_precision=_ratio(len(true_alerts), len(inauthentic)),
        organic_mentions=organic,
        false_alerts_per_100k_organic=_ratio(len(false_alerts) * 100_000, organic),
        official_campaigns=officials,
        official_flagged=flagged,
        official_flagged_count=len(flagged),
        delays_s=delays,
        median_delay_s=median,
        median_delay_minutes=median / 60.0 if median is not None else None,
        bcubed=bcubed(assignments, gold_topics),
        alerts_total=len(matches),
        revisions_total=len(revisions),
        min_share=min_share,
        false_alert_ids=[m.alert_id for m in false_alerts],
        alerts_per_detected_campaign=_ratio(len(true_alerts), len(detected_at)),
        alerts_by_campaign=dict(sorted(Counter(m.label for m in true_alerts if m.label is not None).items())),
        drip_delay_minutes=max(drip_delays) / 60.0 if drip_delays else None,
        theme_bcubed=None if themes is None else bcubed(themes, gold_topics),
    )


def target_results(report: Report) -> list[tuple[str, float | None, str, bool]]:
    """(figure, value, target text, met) for every target of issue 2; a missing figure is not met."""
    values = report.to_dict()
    out = []
    for name, op, bound in TARGETS:
        value = values.get(name)
        met = value is not None and (value >= bound if op == ">=" else value <= bound)
        out.append((name, value, f"{op} {bound:g}", met))
    return out


# -- file readers ---------------------------------------------------------------------------------


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if line.strip():
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError(f"{path}:{line_no}: expected a JSON object")
                yield line_no, obj


def label_from_dict(obj: Mapping[str, Any]) -> tuple[str, GoldLabel]:
    """(mention id, gold label) from one labels line; raises KeyError or ValueError when malformed."""
    created = obj.get("created_at")
    return str(obj["mention_id"]), GoldLabel(
        label=str(obj["label"]),
        topic=str(obj.get("topic", obj["label"])),
        kind=str(obj.get("kind", "")),
        created_at=_epoch(created) if isinstance(created, str) else None,
    )


def load_labels(path: Path) -> dict[str, GoldLabel]:
    out = {}
    for line_no, obj in _jsonl(path):
        try:
            mention_id, gold = label_from_dict(obj)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{line_no}: bad label line ({exc})") from None
        out[mention_id] = gold
    return out


def load_assignments(path: Path) -> dict[str, str]:
    """mention id -> narrative id (a mention kept out of clustering is a cluster of its own)."""
    return load_assignment_levels(path)[0]


def load_assignment_levels(path: Path) -> tuple[dict[str, str], dict[str, str] | None]:
    """(mention -> narrative, mention -> theme or None when the file has no ``theme_id`` at all).

    A null narrative or theme makes the mention a cluster of its own for BCubed."""
    narratives: dict[str, str] = {}
    themes: dict[str, str] = {}
    has_themes = False
    for line_no, obj in _jsonl(path):
        try:
            mention_id, narrative_id = str(obj["mention_id"]), obj["narrative_id"]
        except KeyError as exc:
            raise ValueError(f"{path}:{line_no}: assignment without {exc}") from None
        narratives[mention_id] = _cluster(mention_id, narrative_id)
        if "theme_id" in obj:
            has_themes = True
        themes[mention_id] = _cluster(mention_id, obj.get("theme_id"))
    return narratives, themes if has_themes else None


def _cluster(mention_id: str, cluster: object) -> str:
    return f"{UNCLUSTERED_PREFIX}{mention_id}" if cluster is None else str(cluster)


def revision_from_dict(obj: Mapping[str, Any]) -> AlertRevision:
    """The fields the evaluation needs from one Alert v1 or v2 revision; raises KeyError/TypeError/
    ValueError."""
    if "campaign" in obj:
        covered = tuple(str(n) for n in obj["campaign"]["narrative_ids"])
        if not covered:
            raise ValueError("campaign.narrative_ids is empty")
    else:
        covered = (str(obj["narrative"]["id"]),)
    return AlertRevision(
        alert_id=str(obj["alert_id"]),
        revision=int(obj["revision"]),
        as_of=_epoch(obj["as_of"]),
        authentic=bool(obj.get("authentic", False)),
        narrative_id=covered[0],
        severity=str(obj.get("severity", "")),
        narrative_ids=covered,
    )


def load_alerts(path: Path, level: str = "auto") -> list[AlertRevision]:
    """The alert revisions of one level: ``campaign`` (Alert v2), ``narrative`` (Alert v1), or ``auto``:
    the campaign alerts when the file has any (a `detect` output or the alerts topic carries both
    levels; the targets apply to what an analyst is alerted with), else the narrative alerts."""
    by_level: dict[str, list[AlertRevision]] = {"campaign": [], "narrative": []}
    for line_no, obj in _jsonl(path):
        try:
            by_level["campaign" if "campaign" in obj else "narrative"].append(revision_from_dict(obj))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{line_no}: bad alert line ({exc!r})") from None
    if level == "auto":
        level = "campaign" if by_level["campaign"] else "narrative"
    return by_level[level]


# -- presentation ---------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report_table(report: Report, title: str = "evaluation") -> Any:
    """A rich Table of the figures with the issue's targets and whether each is met."""
    from rich.table import Table

    targets = {name: (text, met) for name, _, text, met in target_results(report)}
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met")

    def row(name: str, label: str, value: str) -> None:
        text, met = targets.get(name, ("", None))
        table.add_row(
            label, value, text, "" if met is None else ("[green]yes[/green]" if met else "[red]NO[/red]")
        )

    row(
        "campaign_recall",
        f"campaign recall ({len(report.detected_campaigns)}/{len(report.campaigns)})",
        _fmt(report.campaign_recall),
    )
    row(
        "alert_precision",
        f"alert precision ({report.true_alerts}/{report.inauthentic_alerts})",
        _fmt(report.alert_precision),
    )
    row(
        "false_alerts_per_100k_organic",
        f"false alerts per 100k organic ({report.false_alerts} / {report.organic_mentions})",
        _fmt(report.false_alerts_per_100k_organic, 2),
    )
    row(
        "official_flagged_count",
        "official campaigns flagged inauthentic",
        f"{report.official_flagged_count}/{len(report.official_campaigns)}"
        + (f" {', '.join(report.official_flagged)}" if report.official_flagged else ""),
    )
    row("median_delay_minutes", "median detection delay (min)", _fmt(report.median_delay_minutes, 2))
    row("bcubed_precision", "BCubed precision", _fmt(report.bcubed.precision))
    row("bcubed_recall", "BCubed recall", _fmt(report.bcubed.recall))
    row("bcubed_f1", f"BCubed F1 ({report.bcubed.items} mentions)", _fmt(report.bcubed.f1))
    row(
        "alerts_per_detected_campaign",
        "alerts per detected campaign",
        _fmt(report.alerts_per_detected_campaign, 2),
    )
    row("drip_delay_minutes", "slowest drip detection (min)", _fmt(report.drip_delay_minutes, 1))
    if report.theme_bcubed is not None:
        tb = report.theme_bcubed
        row(
            "theme_bcubed_f1",
            f"theme BCubed P / R / F1 ({tb.items} mentions)",
            f"{tb.precision:.3f} / {tb.recall:.3f} / {tb.f1:.3f}",
        )
    row("alerts", "alerts / revisions", f"{report.alerts_total} / {report.revisions_total}")
    if report.missed_campaigns:
        row("missed", "missed campaigns", ", ".join(report.missed_campaigns))
    return table


def _run(args: argparse.Namespace) -> int:
    import sys

    from rich.console import Console

    try:
        labels = load_labels(Path(args.labels))
        assignments, themes = load_assignment_levels(Path(args.assignments))
        revisions = load_alerts(Path(args.alerts), args.level)
    except (OSError, ValueError) as exc:
        print(f"choruswatch evaluate: {exc}", file=sys.stderr)
        return 2
    report = evaluate(revisions, assignments, labels, min_share=args.min_share, themes=themes)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        Console(width=None if sys.stdout.isatty() else 120).print(report_table(report))
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score alerts and narrative assignments against simulate's labels",
        description="Campaign recall, alert precision, false alerts, alerts per campaign, official campaigns "
        "flagged, detection delay and BCubed (narratives, themes) of a detection run against the labels "
        "written by `choruswatch simulate`.",
    )
    parser.add_argument(
        "--alerts", required=True, help="alert revisions (JSONL, Alert v1 or v2) from `choruswatch detect`"
    )
    parser.add_argument("--assignments", required=True, help="assignments (JSONL) from `choruswatch detect`")
    parser.add_argument("--labels", required=True, help="labels (JSONL) from `choruswatch simulate`")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--level",
        choices=("auto", "campaign", "narrative"),
        default="auto",
        help="which alerts to score: campaign (v2), narrative (v1), auto = campaign when present",
    )
    parser.add_argument(
        "--min-share",
        type=float,
        default=DEFAULT_MIN_SHARE,
        help="share of a narrative's labelled mentions its campaign must hold to match (default 0.5)",
    )
    parser.set_defaults(func=_run)
