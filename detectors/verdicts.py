"""Analyst verdicts: what they mean for the pipeline, with a reversible audit trail.

An analyst judges an alert (``confirmed``, ``false_positive``, ``authentic``) or clears an earlier
verdict. :class:`VerdictBook` holds every verdict it was given and derives their effects; it is pure
(no I/O, no clock: a verdict carries the time the analyst made it) and the campaign level owns one:

* **latest wins**: per alert, the verdict in force is the one with the latest ``at`` (ties broken by
  value, then analyst, so any arrival order gives the same result). A verdict arriving late (the
  periodic pickup from the index after the topic) is kept in the history but changes nothing; the
  same verdict seen twice (topic and index) is recorded once.
* **reversible**: clearing (value ``cleared``) removes every effect of the alert's verdict; effects
  are derived from the verdicts in force, never accumulated.
* ``false_positive``: the alert keeps being tracked, but :meth:`VerdictBook.should_publish` holds
  back its revisions until it grows by ``false_positive_growth`` (default 2: at least half of its
  accounts or mentions are ones the analyst never saw) over the last revision published; such a
  revision says why it came through. Closing revisions pass (they raise no alarm and keep the
  alert's status true).
* ``authentic``: the alert's accounts join the learned allowlist (:meth:`VerdictBook.allowlist`),
  each entry with its provenance (alert, analyst, time, revision).
* ``confirmed``: the alert's accounts become known actors; :meth:`VerdictBook.known_actor_share`
  gives a later campaign the share of its accounts that are known, with an explanation.

The accounts of a judged alert travel with the verdict (``VerdictRecord.accounts``, filled from the
alert document by the adapter that reads the verdict), so a worker that never saw the alert applies
the verdict all the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from schemas.models import SchemaError, SignalValue, format_timestamp, parse_timestamp

__all__ = [
    "CLEARED",
    "VERDICTS",
    "KnownActorSignal",
    "Provenance",
    "PublishDecision",
    "RevisionMeasure",
    "VerdictBook",
    "VerdictChange",
    "VerdictError",
    "VerdictRecord",
    "parse_verdict_value",
    "verdict_signal",
]

Verdict = Literal["confirmed", "false_positive", "authentic"]
VERDICTS: Final[tuple[Verdict, ...]] = ("confirmed", "false_positive", "authentic")
#: The value that undoes an alert's verdict.
CLEARED: Final = "cleared"
# Values an analyst may find in (or type into) the alert document's `analyst.verdict`: the index's
# default "pending" means no verdict; the analyst guide of Alert v1 suggested the older words.
_CLEARING_ALIASES: Final = frozenset({CLEARED, "pending"})
_LEGACY_ALIASES: Final[Mapping[str, Verdict]] = {
    "coordinated_inauthentic": "confirmed",
    "coordinated_authentic": "authentic",
    "organic": "false_positive",
}
#: The zero-weight signal through which a revision says why it came through despite a verdict
#: (Alert v1 and v2 have no other free-text place; it adds nothing to the score).
VERDICT_SIGNAL: Final = "analyst_verdict"
_HISTORY_PER_ALERT: Final = 100  # verdicts are made by people; the full audit also lives in the index
_PROVENANCE_SHOWN: Final = 3


class VerdictError(ValueError):
    """A verdict record or value is invalid; ``str()`` is ``"field: reason"``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_verdict_value(value: object) -> Verdict | None:
    """``confirmed`` / ``false_positive`` / ``authentic``, or None for a clearing value.

    Clearing values: ``cleared``, ``pending`` (the index default) and null. The words of the
    Alert v1 analyst guide are read as their meaning (``coordinated_inauthentic`` -> confirmed,
    ``coordinated_authentic`` -> authentic, ``organic`` -> false_positive).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise VerdictError("verdict", f"expected a string, got {type(value).__name__}")
    if value in VERDICTS:
        return value
    if value in _CLEARING_ALIASES:
        return None
    if value in _LEGACY_ALIASES:
        return _LEGACY_ALIASES[value]
    allowed = ", ".join((*VERDICTS, CLEARED))
    raise VerdictError("verdict", f"unknown verdict {value!r}; expected one of {allowed}")


def _when(t: float) -> str:
    return format_timestamp(datetime.fromtimestamp(t, tz=UTC))


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    """One analyst decision on one alert; ``verdict`` None means the alert's verdict was cleared."""

    alert_id: str
    verdict: Verdict | None
    analyst: str
    at: float  # epoch seconds: when the analyst decided
    revision: int | None = None  # the alert revision the analyst looked at
    note: str | None = None
    accounts: tuple[str, ...] = ()  # the alert's accounts, for the allowlist and known actors
    source: str = "file"  # cli, index, file, topic: where the worker got it from

    @property
    def value(self) -> str:
        return self.verdict if self.verdict is not None else CLEARED

    def identity(self) -> tuple[str, float, str, str]:
        """Records with equal identity are one decision seen twice (topic and index)."""
        return (self.alert_id, self.at, self.value, self.analyst)

    def order_key(self) -> tuple[float, str, str]:
        return (self.at, self.value, self.analyst)

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": 1,
            "alert_id": self.alert_id,
            "verdict": self.value,
            "analyst": self.analyst,
            "at": _when(self.at),
            "revision": self.revision,
            "note": self.note,
            "accounts": list(self.accounts),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], *, source: str | None = None) -> VerdictRecord:
        """Validate a decoded verdict (file line, topic record); raises :class:`VerdictError`."""
        if not isinstance(obj, Mapping):
            raise VerdictError("$", f"expected a JSON object, got {type(obj).__name__}")
        alert_id = _required_text(obj, "alert_id")
        if "verdict" not in obj:
            raise VerdictError("verdict", f"required (one of {', '.join((*VERDICTS, CLEARED))})")
        verdict = parse_verdict_value(obj["verdict"])
        analyst = _required_text(obj, "analyst")
        try:
            at = parse_timestamp(obj.get("at"), "at").timestamp()
        except SchemaError as exc:
            raise VerdictError(exc.field, exc.reason) from None
        revision = obj.get("revision")
        if revision is not None and (
            not isinstance(revision, int) or isinstance(revision, bool) or revision < 1
        ):
            raise VerdictError("revision", f"expected a positive integer or null, got {revision!r}")
        note = obj.get("note")
        if note is not None and not isinstance(note, str):
            raise VerdictError("note", f"expected a string or null, got {type(note).__name__}")
        accounts = obj.get("accounts") or []
        if not isinstance(accounts, list) or not all(isinstance(a, str) and a for a in accounts):
            raise VerdictError("accounts", "expected a list of non-empty account ids")
        return cls(
            alert_id,
            verdict,
            analyst,
            at,
            revision,
            note,
            tuple(dict.fromkeys(accounts)),
            source or str(obj.get("source") or "file"),
        )


def _required_text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise VerdictError(key, "required: a non-empty string")
    return value.strip()


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """What :meth:`VerdictBook.apply` did: ``effective`` is True when the verdict in force changed."""

    record: VerdictRecord
    recorded: bool  # False: the same decision was already in the history
    effective: bool
    before: VerdictRecord | None  # the verdict in force before (None: none)
    reason: str


@dataclass(frozen=True, slots=True)
class Provenance:
    """Why an account is on the learned allowlist or a known actor: the verdict that put it there."""

    alert_id: str
    analyst: str
    at: float
    revision: int | None

    def describe(self) -> str:
        rev = f" revision {self.revision}" if self.revision is not None else ""
        return f"{self.alert_id}{rev} ({self.analyst}, {_when(self.at)})"


@dataclass(frozen=True, slots=True)
class RevisionMeasure:
    """The size of an alert revision, as the publish rule compares them."""

    revision: int
    size: int
    accounts: int
    status: str = "updated"


@dataclass(frozen=True, slots=True)
class PublishDecision:
    """Whether a revision goes out; ``reason`` is empty without a verdict, else it says why."""

    publish: bool
    verdict: VerdictRecord | None
    reason: str

    @property
    def suppressed(self) -> bool:
        return not self.publish


@dataclass(frozen=True, slots=True)
class KnownActorSignal:
    """Share of a campaign's accounts that confirmed alerts named, with an explanation."""

    value: float
    known: int
    total: int
    detail: str
    sources: tuple[Provenance, ...]


class VerdictBook:
    """Every verdict given so far, the one in force per alert, and their effects. See the module doc."""

    def __init__(self, *, false_positive_growth: float = 2.0) -> None:
        if not false_positive_growth > 1.0:
            raise ValueError("false_positive_growth must be above 1")
        self.false_positive_growth = float(false_positive_growth)
        self._history: dict[str, list[VerdictRecord]] = {}
        self._seen: set[tuple[str, float, str, str]] = set()
        self._in_force: dict[str, VerdictRecord] = {}
        # account -> alerts whose verdict in force put it there
        self._allow: dict[str, set[str]] = {}
        self._known: dict[str, set[str]] = {}

    # -- applying ----------------------------------------------------------------------------------

    def apply(self, record: VerdictRecord) -> VerdictChange:
        """Record one verdict; the latest per alert (by ``at``) is the one in force."""
        before = self._in_force.get(record.alert_id)
        if record.identity() in self._seen:
            return VerdictChange(record, False, False, before, "already recorded")
        self._seen.add(record.identity())
        history = self._history.setdefault(record.alert_id, [])
        latest = history[-1] if history else None  # a clearing counts: it is a decision too
        history.append(record)
        history.sort(key=VerdictRecord.order_key)
        if len(history) > _HISTORY_PER_ALERT:
            self._seen.discard(history.pop(0).identity())
        if latest is not None and record.order_key() < latest.order_key():
            return VerdictChange(
                record,
                True,
                False,
                before,
                f"older than the latest decision ({latest.value} at {_when(latest.at)})",
            )
        self._set_effects(before, record)
        changed = (before.value if before else CLEARED) != record.value
        return VerdictChange(record, True, changed, before, "in force" if record.verdict else "cleared")

    def apply_many(self, records: Iterable[VerdictRecord]) -> tuple[VerdictChange, ...]:
        return tuple(self.apply(r) for r in records)

    def _set_effects(self, before: VerdictRecord | None, record: VerdictRecord) -> None:
        if before is not None:
            for table in (self._allow, self._known):
                _unlink(table, before.accounts, before.alert_id)
        if record.verdict is None:
            self._in_force.pop(record.alert_id, None)
            return
        self._in_force[record.alert_id] = record
        if record.verdict == "authentic":
            _link(self._allow, record.accounts, record.alert_id)
        elif record.verdict == "confirmed":
            _link(self._known, record.accounts, record.alert_id)

    # -- reading -----------------------------------------------------------------------------------

    def current(self, alert_id: str) -> VerdictRecord | None:
        """The verdict in force on an alert (None: never judged, or cleared)."""
        return self._in_force.get(alert_id)

    def history(self, alert_id: str) -> tuple[VerdictRecord, ...]:
        """Every verdict on an alert, oldest first (the audit trail, clearings included)."""
        return tuple(self._history.get(alert_id, ()))

    def judged_alerts(self) -> tuple[str, ...]:
        return tuple(sorted(self._in_force))

    def allowlist(self) -> frozenset[str]:
        """Accounts of alerts judged ``authentic`` (the learned allowlist)."""
        return frozenset(self._allow)

    def is_allowlisted(self, account: str) -> bool:
        """Whether ``account`` is on the learned allowlist (O(1): called once per mention)."""
        return account in self._allow

    def known_actors(self) -> frozenset[str]:
        """Accounts of alerts judged ``confirmed``."""
        return frozenset(self._known)

    def allowlist_provenance(self, account: str) -> tuple[Provenance, ...]:
        """The authentic verdicts that put ``account`` on the learned allowlist."""
        return self._provenance(self._allow.get(account, ()))

    def known_actor_provenance(self, account: str) -> tuple[Provenance, ...]:
        return self._provenance(self._known.get(account, ()))

    def _provenance(self, alert_ids: Iterable[str]) -> tuple[Provenance, ...]:
        records = sorted((self._in_force[a] for a in alert_ids), key=VerdictRecord.order_key)
        return tuple(Provenance(r.alert_id, r.analyst, r.at, r.revision) for r in records)

    def known_actor_share(self, accounts: Iterable[str]) -> KnownActorSignal:
        """The ``known_actors`` signal of a campaign: the share of its accounts named by confirmed alerts."""
        distinct = list(dict.fromkeys(accounts))
        known = [a for a in distinct if a in self._known]
        if not distinct:
            return KnownActorSignal(0.0, 0, 0, "no accounts", ())
        sources = self._provenance({alert for a in known for alert in self._known[a]})
        share = len(known) / len(distinct)
        detail = f"{len(known)} of {len(distinct)} accounts ({share:.0%}) are known actors"
        if sources:
            shown = "; ".join(p.describe() for p in sources[:_PROVENANCE_SHOWN])
            more = f" and {len(sources) - _PROVENANCE_SHOWN} more" if len(sources) > _PROVENANCE_SHOWN else ""
            detail += f" from alerts confirmed by analysts: {shown}{more}"
        return KnownActorSignal(share, len(known), len(distinct), detail, sources)

    # -- publishing ----------------------------------------------------------------------------------

    def should_publish(
        self, alert_id: str, candidate: RevisionMeasure, last_published: RevisionMeasure | None
    ) -> PublishDecision:
        """Whether the lifecycle's next revision of ``alert_id`` goes out, given the verdict in force.

        Only ``false_positive`` holds revisions back: an open or updated revision passes when its
        accounts or mentions reached ``false_positive_growth`` times those of ``last_published``.
        """
        verdict = self._in_force.get(alert_id)
        if verdict is None or verdict.verdict != "false_positive":
            return PublishDecision(True, verdict, "")
        by = f"false_positive verdict by {verdict.analyst} at {_when(verdict.at)}"
        if candidate.status == "closed":
            return PublishDecision(True, verdict, f"closing revision published despite the {by}")
        if last_published is None:
            return PublishDecision(
                False, verdict, f"suppressed by the {by}; nothing published to compare with"
            )
        growth, what = _growth(candidate, last_published)
        factor = self.false_positive_growth
        if growth >= factor:
            return PublishDecision(
                True, verdict, f"published despite the {by}: {what} (x{growth:.2f}, reopens at x{factor:g})"
            )
        return PublishDecision(
            False, verdict, f"suppressed by the {by}: {what} (x{growth:.2f} < x{factor:g})"
        )

    # -- snapshot ------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        records = [r.to_dict() for alert in sorted(self._history) for r in self._history[alert]]
        return {"v": 1, "false_positive_growth": self.false_positive_growth, "records": records}

    @classmethod
    def restore(cls, snap: Mapping[str, Any]) -> VerdictBook:
        book = cls(false_positive_growth=float(snap["false_positive_growth"]))
        for raw in snap["records"]:
            book.apply(VerdictRecord.from_dict(raw))
        return book


def verdict_signal(reason: str) -> SignalValue:
    """The ``analyst_verdict`` entry of a revision's signals: weight 0, so the score is unchanged."""
    return SignalValue(1.0, 0.0, 0.0, reason)


def _growth(candidate: RevisionMeasure, base: RevisionMeasure) -> tuple[float, str]:
    by_accounts = candidate.accounts / max(1, base.accounts)
    by_size = candidate.size / max(1, base.size)
    if by_accounts >= by_size:
        return by_accounts, f"accounts {base.accounts} -> {candidate.accounts} since revision {base.revision}"
    return by_size, f"mentions {base.size} -> {candidate.size} since revision {base.revision}"


def _link(table: dict[str, set[str]], accounts: Iterable[str], alert_id: str) -> None:
    for account in accounts:
        table.setdefault(account, set()).add(alert_id)


def _unlink(table: dict[str, set[str]], accounts: Iterable[str], alert_id: str) -> None:
    for account in accounts:
        alerts = table.get(account)
        if alerts is not None:
            alerts.discard(alert_id)
            if not alerts:
                del table[account]
