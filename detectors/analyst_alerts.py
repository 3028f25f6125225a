"""Alert v2 revisions for the analyst's rules: a known claim resurfacing, a reply storm on a sensor.

The trackers (:class:`~detectors.watchlist.ResurfacingTracker`,
:class:`~detectors.replystorm.ReplyStormTracker`) decide when an episode opens, grows and closes;
:class:`FindingAlerts` turns each of their findings into one Alert v2 revision, with

* ``rule.name`` ``known claim resurfacing`` (alert id ``cwr-`` + episode) or ``reply storm`` (``cws-``
  + storm), and for a storm ``target`` (the sensor account, its handle, the post under attack);
* ``watchlist.claim_ids``: the resurfacing claim, plus every claim the covered narratives matched;
* ``campaign.narrative_ids``: the narratives of the matched mentions or replies (the finding's own id
  when none was clustered: short replies stay out of clustering, and the contract needs one id);
* the verdict rule of every alert (:mod:`detectors.verdicts`): a ``false_positive`` verdict holds
  revisions back until the accounts or posts grew by ``false_positive_growth``; revision numbers count
  the revisions that went out.

A resurfacing alert is raised by rule, not by coordination score: its ``score`` is 0 and its severity
is the claim's ``severity_floor`` (``low`` when none); its signals explain the match (zero weight).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal, cast

from detectors.config import DetectorConfig
from detectors.replystorm import ReplyStormFinding
from detectors.verdicts import VERDICT_SIGNAL, RevisionMeasure, VerdictBook, verdict_signal
from detectors.watchlist import ResurfacingFinding, Watchlist
from schemas.alert_v2 import (
    AlertV2,
    CampaignEvidence,
    CampaignInfo,
    Network,
    RuleInfo,
    TargetInfo,
)
from schemas.models import DetectorInfo, Severity, SignalValue

__all__ = ["ANALYST_RULES_VERSION", "FindingAlerts", "reply_storm_alert_id", "resurfacing_alert_id"]

ANALYST_RULES_VERSION: Final = "1.0"
RESURFACING: Final = RuleInfo("known-claim-resurfacing", "known claim resurfacing", ANALYST_RULES_VERSION)
REPLY_STORM: Final = RuleInfo("reply-storm", "reply storm", ANALYST_RULES_VERSION)
Status = Literal["open", "updated", "closed"]


def resurfacing_alert_id(episode_id: str) -> str:
    return "cwr-" + episode_id.removeprefix("res-")


def reply_storm_alert_id(storm_id: str) -> str:
    return "cws-" + storm_id.removeprefix("storm-")


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


@dataclass(slots=True)
class _Shown:
    """Revisions that went out, and the (accounts, posts) the growth rule compares with."""

    revision: int
    accounts: int
    posts: int

    def to_list(self) -> list[int]:
        return [self.revision, self.accounts, self.posts]


class FindingAlerts:
    """Turns resurfacing and reply-storm findings into Alert v2 revisions, under the verdicts."""

    def __init__(
        self,
        cfg: DetectorConfig,
        *,
        model_name: str,
        watchlist: Watchlist | None = None,
        verdicts: VerdictBook | None = None,
        claims_for: Callable[[Iterable[str]], tuple[str, ...]] | None = None,
    ) -> None:
        self.cfg = cfg
        self.watchlist = watchlist
        self.verdicts = verdicts
        self.claims_for = claims_for
        self._resurfacing_info = DetectorInfo(
            ANALYST_RULES_VERSION,
            model_name,
            {
                "claim_match_threshold": cfg.claim_match_threshold,
                "claim_match_cross_threshold": cfg.claim_match_cross_threshold,
                "resurfacing_min_accounts": float(cfg.resurfacing_min_accounts),
                "resurfacing_window_s": cfg.resurfacing_window_s,
            },
        )
        self._storm_info = DetectorInfo(
            ANALYST_RULES_VERSION,
            model_name,
            {**cfg.thresholds(), "reply_storm_window_s": cfg.reply_storm_window_s},
        )
        self._open: dict[str, _Shown] = {}
        self.suppressed = 0  # revisions held back by a verdict (a counter: the caller resets it)

    def resurfacing(self, f: ResurfacingFinding) -> AlertV2 | None:
        alert_id = resurfacing_alert_id(f.episode_id)
        gate = self._gate(alert_id, f.status, f.accounts, f.mentions)
        if gate is None:
            return None
        revision, status, reason = gate
        floor = None
        if self.watchlist is not None and f.claim_id in {c.id for c in self.watchlist.claims}:
            floor = self.watchlist.claim(f.claim_id).severity_floor
        minutes = self.cfg.resurfacing_window_s / 60.0
        signals = {
            "claim_match": SignalValue(
                f.best_similarity,
                0.0,
                0.0,
                f"best cosine {f.best_similarity:.2f} to a wording of {f.claim_id}",
            ),
            "claim_accounts": SignalValue(
                float(f.accounts),
                0.0,
                0.0,
                f"{f.accounts} accounts matched it within {minutes:.0f} min "
                f"(the rule: at least {self.cfg.resurfacing_min_accounts})",
            ),
        }
        narratives = f.narrative_ids or (f.episode_id,)
        return self._alert(
            alert_id,
            revision,
            status,
            f,
            narratives,
            floor or "low",
            0.0,
            False,
            signals,
            reason,
            rule=RESURFACING,
            info=self._resurfacing_info,
            claims=(f.claim_id,),
            languages=f.languages,
        )

    def reply_storm(self, f: ReplyStormFinding) -> AlertV2 | None:
        alert_id = reply_storm_alert_id(f.storm_id)
        gate = self._gate(alert_id, f.status, f.accounts, f.replies)
        if gate is None:
            return None
        revision, status, reason = gate
        signals = {n: SignalValue(s.value, s.weight, s.contribution, s.detail) for n, s in f.signals.items()}
        narratives = f.narrative_ids or (f.storm_id,)
        alert = self._alert(
            alert_id,
            revision,
            status,
            f,
            narratives,
            f.severity,
            f.score,
            f.authentic,
            signals,
            reason,
            rule=REPLY_STORM,
            info=self._storm_info,
            claims=(),
            languages=(),
        )
        return replace(alert, target=TargetInfo(f.target_account, f.target_handle, f.target_post))

    def _gate(
        self, alert_id: str, status: Status, accounts: int, posts: int
    ) -> tuple[int, Status, str] | None:
        """(revision, status, why it came through) of the revision to publish, or None."""
        shown = self._open.get(alert_id)
        revision = 1 + (shown.revision if shown is not None else 0)
        if status == "closed":
            self._open.pop(alert_id, None)
            if shown is None or shown.revision == 0:
                return None  # never published: nothing to close
        reason = ""
        if self.verdicts is not None:
            base = None if shown is None else RevisionMeasure(shown.revision, shown.posts, shown.accounts)
            decision = self.verdicts.should_publish(
                alert_id, RevisionMeasure(revision, posts, accounts, status), base
            )
            if not decision.publish:
                self.suppressed += 1
                if shown is None:
                    self._open[alert_id] = _Shown(0, accounts, posts)  # compare later ones with this
                return None
            reason = decision.reason
        if status != "closed":
            self._open[alert_id] = _Shown(revision, accounts, posts)
        return revision, ("open" if revision == 1 and status != "closed" else status), reason

    def _alert(
        self,
        alert_id: str,
        revision: int,
        status: Status,
        f: ResurfacingFinding | ReplyStormFinding,
        narratives: tuple[str, ...],
        severity: str,
        score: float,
        authentic: bool,
        signals: Mapping[str, SignalValue],
        reason: str,
        *,
        rule: RuleInfo,
        info: DetectorInfo,
        claims: tuple[str, ...],
        languages: tuple[str, ...],
    ) -> AlertV2:
        matched = self.claims_for(narratives) if self.claims_for is not None else ()
        posts = f.mentions if isinstance(f, ResurfacingFinding) else f.replies
        if reason:
            signals = {**signals, VERDICT_SIGNAL: verdict_signal(reason)}
        return AlertV2(
            alert_id=alert_id,
            revision=revision,
            status=status,
            as_of=_ts(f.as_of),
            first_seen=_ts(f.first_seen),
            last_seen=_ts(f.last_seen),
            severity=cast(Severity, severity),
            score=round(score, 4),
            authentic=authentic,
            authentic_reason="replies from allowlisted accounts" if authentic else None,
            campaign=CampaignInfo(
                id=f.episode_id if isinstance(f, ResurfacingFinding) else f.storm_id,
                narrative_ids=narratives,
                theme_ids=(),
                accounts=f.accounts,
                posts=posts,
                account_ids=f.account_ids,
                score_basis="campaign",
            ),
            narratives=(),
            signals=signals,
            network=Network((), (), f.accounts, 0),
            evidence=CampaignEvidence(sample_mention_ids=f.sample_mention_ids),
            detector=info,
            rule=rule,
            summary=f.summary,
            claim_ids=tuple(dict.fromkeys((*claims, *matched))),
            languages=languages,
        )

    # -- snapshot -------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {aid: s.to_list() for aid, s in self._open.items()}

    def load(self, snap: Mapping[str, Any]) -> None:
        self._open = {str(aid): _Shown(int(v[0]), int(v[1]), int(v[2])) for aid, v in snap.items()}
