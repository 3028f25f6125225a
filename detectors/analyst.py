"""What the analyst gives the detection core: known claims, official accounts, verdicts.

One :class:`AnalystInputs` is handed to every bucket :class:`~detectors.detector.Detector` and to the
global level (:class:`~detectors.global_level.GlobalLevel`); each uses its part:

* the **watchlist** (:class:`~detectors.watchlist.Watchlist`, claims with their wording vectors):
  the Detector, where the vectors are, tags each mention's action with the claims it matches
  (:attr:`~detectors.facts.Action.claims`); the global level counts them per claim (resurfacing) and
  per narrative (``watchlist.claim_ids`` on every alert revision that covers the narrative);
* the **sensors** (the team's official accounts): the Detector attaches a reply's text and float16
  vector to the action of every mention that replies to, quotes or names a sensor's handle (only it
  knows the text and vector; whose post a reply answers is only known globally); the global level
  resolves the targets and tracks reply storms;
* the **verdicts** (:class:`~detectors.verdicts.VerdictBook`): narrative alerts (v1) in the Detector
  and campaign, resurfacing and reply-storm alerts (v2) in the global level are held back while a
  ``false_positive`` verdict is in force; ``authentic`` verdicts put accounts on the learned allowlist
  the Detector consults; ``confirmed`` verdicts make accounts known actors for campaign scores.

The inputs are shared, not copied: verdicts applied to the book (the stream's verdicts topic) take
effect on the next revision decided anywhere. The core never reads files or embeds: loading and
embedding the claims is the adapters' job (:mod:`streams.analyst_files`).
"""

from __future__ import annotations

from dataclasses import dataclass

from detectors.replystorm import Sensor
from detectors.verdicts import VerdictBook
from detectors.watchlist import Watchlist

__all__ = ["AnalystInputs"]


@dataclass(frozen=True, slots=True)
class AnalystInputs:
    """Known claims (with vectors), official accounts as sensors, and the verdict book; all optional."""

    watchlist: Watchlist | None = None
    sensors: tuple[Sensor, ...] = ()
    verdicts: VerdictBook | None = None

    def __bool__(self) -> bool:
        return self.watchlist is not None or bool(self.sensors) or self.verdicts is not None
