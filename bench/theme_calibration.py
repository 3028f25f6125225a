"""Derive ``theme_threshold`` for an embedding model from labelled pairs (the documented method).

    .venv/bin/python -m bench.theme_calibration [--embedder model|hashing] [--model NAME]

A theme is where *different claims about one subject* meet (a narrative is one claim). The set below
is written for this purpose and shares nothing with ``choruswatch simulate``: 12 subjects, 5 posts
each, in the register of social media (claims, complaints, rumours; several subjects share the
"they are hiding it" framing on purpose, so the threshold must separate subjects, not tone).

Method. A new narrative joins a theme by the cosine of its founding post to the theme's centroid
(the mean of the founding posts of its narratives), so the calibration works at that level: for every
post, its cosine to the centroid of the *other* posts of its own subject, and the highest cosine to
the centroid of any other subject. ``theme_threshold`` is the highest other-subject cosine of any post
(no post of the set would join another subject's theme), rounded up to two decimals; the script
reports the share of posts that reach their own subject's centroid at that threshold, with a
bootstrap 95% interval over subjects. A max rather than a percentile, because a new narrative is
compared with every live theme: with thousands of themes, a threshold that lets 2% of unrelated
pairs join lets almost every narrative join some unrelated theme. For reference it also prints the
pair-level figures (the 98th percentile of unrelated pairs, the rule used for the narrative join).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Sequence

import numpy as np

SUBJECTS: dict[str, tuple[str, ...]] = {
    "dam": (
        "The new dam on the Lissa river will flood three villages and nobody asked the farmers.",
        "Engineers say the dam's concrete is cracking already, they are hiding the inspection report.",
        "Electricity from the Lissa dam is being sold abroad while our bills keep going up.",
        "Went to see the dam construction site today, the valley looks completely different now.",
        "Fishermen downstream of the dam report the river level dropped by half this month.",
    ),
    "fishing": (
        "The fishing ban in the bay is a gift to foreign trawlers, our boats stay in port.",
        "Marine scientists say cod stocks in the bay need five years without fishing to recover.",
        "Small fishermen will get no compensation for the bay fishing ban, the minister admitted.",
        "My uncle sold his fishing boat after forty years because of the new ban.",
        "Enforcement patrols caught three boats breaking the fishing ban last night.",
    ),
    "curriculum": (
        "The new school curriculum removes history lessons about the independence war.",
        "Teachers were never consulted about the curriculum reform, the union says.",
        "My daughter's maths homework under the new curriculum makes no sense to anyone.",
        "Parents are organising a petition against the school curriculum changes.",
        "The education ministry hid that the curriculum was written by a foreign consultancy.",
    ),
    "heatwave": (
        "Third day above 42 degrees, the heatwave is killing the elderly in the old town.",
        "Hospitals are overwhelmed with heatstroke cases and the health ministry says nothing.",
        "The power grid failed again during the heatwave, no air conditioning all night.",
        "Water trucks are the only thing keeping our street going in this heat.",
        "Heatwave warnings were sent two days late, they knew and did not tell us.",
    ),
    "rates": (
        "The central bank raised interest rates again, mortgages are now impossible.",
        "Economists expect inflation to fall after the central bank's rate decision.",
        "The central bank governor owns shares in the banks that profit from higher rates.",
        "My loan repayment went up by a third after the latest rate hike.",
        "Savers finally get something back now that deposit rates are rising.",
    ),
    "tram": (
        "The tram strike has left the whole east side without transport for a week.",
        "Tram drivers are striking because they have not had a raise in nine years.",
        "The city paid strikebreakers from a foreign agency to run the trams, sources say.",
        "Walked an hour to work again because of the tram strike, my feet are done.",
        "Union and city council will meet tomorrow to try to end the tram strike.",
    ),
    "museum": (
        "Thieves took the crown jewels from the national museum in under four minutes.",
        "The museum robbery was an inside job, the alarm was switched off on purpose.",
        "Police released footage of the museum robbers escaping on scooters.",
        "I visited the national museum last year, cannot believe the jewels are gone.",
        "Insurance experts say the stolen museum jewels are impossible to sell intact.",
    ),
    "recall": (
        "The pharmacy chain recalled a batch of children's fever syrup over contamination.",
        "They knew the fever syrup was contaminated for months before the recall.",
        "Check your medicine cabinet, the recalled syrup batch number is on the box.",
        "Three children were hospitalised before the syrup recall was announced.",
        "The drug agency says the contaminated syrup came from a single factory abroad.",
    ),
    "border": (
        "The border wall cost twice the budget and half of it is already falling down.",
        "Smugglers simply dig under the new border wall, locals say.",
        "Farmers near the border lost access to their fields because of the wall.",
        "The company that built the border wall belongs to the defence minister's cousin.",
        "Drove along the border wall today, it just stops in the middle of the hills.",
    ),
    "birdflu": (
        "Bird flu found on two poultry farms, all chickens in the district will be culled.",
        "Egg prices doubled after the bird flu culling, supermarkets are limiting sales.",
        "The bird flu outbreak was caused by imported vaccines, farmers claim.",
        "Vets say the risk of bird flu spreading to people remains very low.",
        "Our neighbour had to kill his whole flock because of the bird flu order.",
    ),
    "stadium": (
        "The new stadium will not be ready for the tournament, the builder admitted.",
        "Workers on the stadium site have not been paid for three months.",
        "The stadium contract went to a company registered two weeks before the tender.",
        "Traffic around the stadium construction is a nightmare every morning.",
        "Fans are angry that ticket prices for the new stadium will double.",
    ),
    "satellite": (
        "Our first national satellite launched this morning, what a moment for the country.",
        "The satellite launch was delayed twice because of a fuel leak, engineers said.",
        "The new satellite is really a spy satellite paid for by a foreign army.",
        "Watched the satellite launch live with my kids, they want to be astronauts now.",
        "The space agency says the satellite will map crops and floods from next year.",
    ),
}


def pair_cosines(
    vectors: np.ndarray, groups: Sequence[str]
) -> tuple[list[float], list[float], list[tuple[str, float]]]:
    """(same-subject cosines, unrelated cosines, (subject, cosine) of each same-subject pair)."""
    sims = vectors @ vectors.T
    same: list[float] = []
    other: list[float] = []
    tagged: list[tuple[str, float]] = []
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            value = float(sims[i, j])
            if groups[i] == groups[j]:
                same.append(value)
                tagged.append((groups[i], value))
            else:
                other.append(value)
    return same, other, tagged


def centroid_cosines(
    vectors: np.ndarray, groups: Sequence[str]
) -> tuple[list[float], list[float], list[str]]:
    """Per post: cosine to its own subject's centroid (without the post), best cosine to another
    subject's centroid, and its subject."""
    subjects = sorted(set(groups))
    members = {g: [i for i, x in enumerate(groups) if x == g] for g in subjects}

    def unit(rows: list[int]) -> np.ndarray:
        c = vectors[rows].mean(axis=0)
        return np.asarray(c / np.linalg.norm(c))

    centroids = {g: unit(rows) for g, rows in members.items()}
    own: list[float] = []
    other: list[float] = []
    for i, g in enumerate(groups):
        own.append(float(vectors[i] @ unit([j for j in members[g] if j != i])))
        other.append(max(float(vectors[i] @ centroids[h]) for h in subjects if h != g))
    return own, other, list(groups)


def threshold_for(unrelated: Sequence[float], max_false: float) -> float:
    """The lowest threshold at which at most ``max_false`` of unrelated pairs reach it."""
    ranked = sorted(unrelated, reverse=True)
    allowed = int(max_false * len(ranked))
    return ranked[allowed] + 1e-6 if allowed < len(ranked) else ranked[-1]


def bootstrap_recall(
    tagged: Sequence[tuple[str, float]], threshold: float, rounds: int = 2000
) -> tuple[float, float]:
    """95% interval of the share of values at or above ``threshold``, resampling subjects."""
    by_subject: dict[str, list[float]] = {}
    for subject, value in tagged:
        by_subject.setdefault(subject, []).append(value)
    subjects = sorted(by_subject)
    rng = random.Random(0)
    rates = []
    for _ in range(rounds):
        values = [v for s in rng.choices(subjects, k=len(subjects)) for v in by_subject[s]]
        rates.append(sum(v >= threshold for v in values) / len(values))
    rates.sort()
    return rates[int(0.025 * rounds)], rates[int(0.975 * rounds)]


def main(argv: Sequence[str] | None = None) -> int:
    from choruswatch.detect_cmd import build_embedder

    parser = argparse.ArgumentParser(
        prog="python -m bench.theme_calibration", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--embedder", choices=("model", "hashing"), default="model")
    parser.add_argument("--model", default=None)
    parser.add_argument("--max-false", type=float, default=0.02)
    args = parser.parse_args(argv)
    texts = [t for posts in SUBJECTS.values() for t in posts]
    groups = [s for s, posts in SUBJECTS.items() for _ in posts]
    embedder = build_embedder(args.embedder, args.model, 1000)
    vectors = np.asarray(embedder.encode(texts), dtype=np.float64)
    print(f"embedder: {embedder.name}; {len(texts)} posts on {len(SUBJECTS)} subjects")
    own, best_other, subject_of = centroid_cosines(vectors, groups)
    theme_threshold = math.ceil(max(best_other) * 100) / 100
    joined = [(g, o) for g, o in zip(subject_of, own, strict=True)]
    recall = sum(o >= theme_threshold for o in own) / len(own)
    lo, hi = bootstrap_recall(joined, theme_threshold)
    print(
        f"post -> own subject centroid: median {np.median(own):.3f}, 10th percentile {np.quantile(own, 0.1):.3f}; "
        f"post -> best other subject centroid: median {np.median(best_other):.3f}, max {max(best_other):.3f}"
    )
    print(f"theme_threshold (no post joins another subject's centroid): {theme_threshold:.2f}")
    print(
        f"posts reaching their own subject's centroid at it: {recall:.3f} (95% CI over subjects {lo:.3f}-{hi:.3f})"
    )
    same, other, _ = pair_cosines(vectors, groups)
    pair_threshold = threshold_for(other, args.max_false)
    pair_recall = sum(v >= pair_threshold for v in same) / len(same)
    print(
        f"pairs, for reference: same-subject median {np.median(same):.3f}, unrelated median {np.median(other):.3f}; "
        f"at the unrelated {1 - args.max_false:.0%} percentile {pair_threshold:.3f}, {pair_recall:.3f} of same-subject "
        f"pairs join"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
