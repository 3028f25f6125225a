"""When people post: the diurnal rhythm, cascade delays after a post, bursts.

All functions are pure given a numpy ``Generator`` and return epoch seconds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Relative posting activity per local hour (0-23). Shape from the large-scale Twitter studies of
# diurnal rhythm (Golder & Macy 2011, Science; Dodds et al. 2011): a trough around 4-5 am at about a
# tenth of the peak, a morning rise, a plateau through the day and the peak at 8-10 pm.
DIURNAL: tuple[float, ...] = (
    0.55, 0.35, 0.22, 0.15, 0.12, 0.15, 0.30, 0.55, 0.75, 0.85, 0.90, 0.95,
    1.00, 0.98, 0.92, 0.90, 0.92, 0.95, 1.00, 1.05, 1.15, 1.20, 1.05, 0.80,
)  # fmt: skip


def hourly_weights(start: float, hours: float, tz_hours: float) -> FloatArray:
    """Diurnal weight of each whole hour of ``[start, start + hours)`` for people in time zone ``tz_hours``."""
    n = max(1, int(np.ceil(hours)))
    utc_hours = (start / 3600.0 + np.arange(n)) % 24
    local = np.floor((utc_hours + tz_hours) % 24).astype(int)
    weights: FloatArray = np.asarray(DIURNAL, dtype=np.float64)[local]
    if hours < n:  # the last, partial hour counts for its share only
        weights[-1] *= hours - (n - 1)
    return weights


def diurnal_times(
    rng: np.random.Generator, n: int, start: float, hours: float, tz_hours: float
) -> FloatArray:
    """``n`` post times spread over the window the way people in ``tz_hours`` are awake."""
    if n == 0:
        return np.empty(0)
    weights = hourly_weights(start, hours, tz_hours)
    bins = rng.choice(len(weights), size=n, p=weights / weights.sum())
    offsets = (bins + rng.random(n)) * 3600.0
    return start + np.minimum(offsets, hours * 3600.0 - 1e-3)


def cascade_delays(
    rng: np.random.Generator, n: int, median_s: float, sigma: float, max_s: float | None = None
) -> FloatArray:
    """Delays of reposts/replies after a post: log-normal, as measured for retweet cascades.

    Kwak et al. (WWW 2010): half of all retweets happen within an hour of the tweet, 75% within a
    day, so a log-normal with a median near an hour and a wide sigma (1.2-1.6) fits ordinary posts;
    breaking news and live events are faster (median minutes).
    """
    delays = rng.lognormal(np.log(median_s), sigma, size=n)
    if max_s is not None:
        # Redraw the few beyond the horizon inside it rather than piling them on the edge.
        over = delays > max_s
        delays[over] = rng.uniform(0.0, max_s, size=int(over.sum()))
    return np.maximum(delays, 1.0)


def burst_times(rng: np.random.Generator, n: int, start: float, spread_s: float) -> FloatArray:
    """``n`` times inside ``[start, start + spread_s]``: one coordinated burst."""
    return np.sort(start + rng.uniform(0.0, spread_s, size=n))


def scheduled_times(
    rng: np.random.Generator, n: int, start: float, spread_s: float, jitter_s: float
) -> FloatArray:
    """Evenly spaced times with jitter: what scheduling tools produce (one post every k seconds)."""
    base = start + np.linspace(0.0, spread_s, num=n, endpoint=False)
    return np.sort(base + rng.uniform(0.0, jitter_s, size=n))
