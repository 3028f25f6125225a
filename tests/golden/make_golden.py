"""Regenerate the golden scenario files with the real embedding model (run by hand, not by pytest).

    HF_HUB_OFFLINE=1 .venv/bin/python -m tests.golden.make_golden [SCENARIO ...]

Each ``<scenario>.jsonl`` line is a Mention v1 object plus two extra fields that the Mention contract
ignores: ``label`` (``campaign``, ``organic`` or ``official``) and ``vector`` (the embedding of
``text`` as base64 little-endian float16, by the scenario's model: all-MiniLM-L6-v2 for the English
scenarios, the multilingual default for ``multilingual_campaign``; ``expected.json`` names the model
whose profile the test applies). Storing the vectors keeps ``test_golden.py``
model-free and fast while the clustering it exercises is the real model's. ``expected.json`` holds
what the detector must conclude for each scenario. The texts and timings are generated from a fixed
seed, so rerunning produces the same files (up to the model's float rounding).
"""

from __future__ import annotations

import base64
import json
import os
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent
T0 = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)

ORGANIC = [
    "The bakery on Elm Street finally reopened and the croissants are as good as ever",
    "Anyone know a good mechanic near the station? My brakes are squeaking again",
    "Our team lost 2-1 in extra time, what a frustrating match",
    "Rain all week according to the forecast, so much for the picnic",
    "Just finished a great book about the history of the Silk Road",
    "Traffic on the ring road is terrible this morning, avoid it if you can",
    "The new museum exhibition on ancient Egypt is worth the ticket price",
    "My daughter's school is collecting old phones for recycling this month",
    "Tried the new ramen place downtown, the broth was amazing",
    "Train delays again on the northern line, third time this week",
    "Concert tickets for the summer festival sold out in ten minutes",
    "The city council approved the new bike lanes on Main Avenue",
    "Spring cleaning weekend: donated three bags of clothes",
    "Does anyone have tips for growing tomatoes on a balcony?",
    "Stock markets closed slightly higher today after a quiet session",
    "The library is extending its opening hours during exam season",
    "Beautiful sunset over the harbour tonight",
    "Our neighbourhood cat has decided to sleep on my car every night",
    "Power cut for two hours this afternoon, finally back now",
    "Learning to bake sourdough is harder than the videos make it look",
]

QUAKE_OPEN = [
    "Just felt a strong earthquake",
    "Whoa, the whole building was shaking",
    "Did anyone else feel that tremor",
    "Earthquake! Everything rattled for about twenty seconds",
    "That was the biggest quake I have felt in years",
    "Woke up to the bed shaking, earthquake",
    "My office swayed during the earthquake just now",
    "Strong shaking here, dishes fell out of the cupboard",
]
QUAKE_WHERE = ["in Izmir", "here in the city", "on the coast", "downtown", "in our village", "near the port"]
QUAKE_TAIL = [
    "Is everyone ok?",
    "Stay safe everyone.",
    "My cat is hiding under the sofa.",
    "Pictures fell off the wall.",
    "Power is out on our street.",
    "Reports say magnitude 6.1.",
    "Schools will be closed tomorrow.",
    "People are standing outside in the park.",
    "Phone lines are jammed, texting works.",
    "Waiting for the aftershocks.",
    "The old mosque tower has cracks.",
    "Hospitals are asking for blood donors.",
]

PARAPHRASES = [
    "The election commission secretly deleted 50,000 votes in the northern district",
    "50,000 ballots from the northern district were quietly erased by the election commission",
    "Election officials wiped fifty thousand northern district votes in secret",
    "The electoral commission has covertly removed 50k votes cast in the north district",
    "In the northern district, the election board secretly threw out 50,000 votes",
    "Fifty thousand votes vanished in the northern district, deleted by the election commission",
    "The commission in charge of the election erased 50,000 northern votes behind closed doors",
    "Northern district: 50,000 votes secretly deleted by election officials",
    "Election commission caught deleting 50 thousand votes from the northern district",
    "They deleted 50,000 votes in the north district and the election commission hid it",
    "Secret deletion of 50,000 northern district ballots by the election commission",
    "The election commission quietly purged 50,000 votes from the northern district count",
    "50K votes from the northern district were secretly removed by the electoral commission",
    "Our votes were stolen: the election commission deleted 50,000 in the northern district",
    "The vote count in the northern district lost 50,000 ballots, erased by the commission",
    "Election authorities secretly scrapped 50,000 votes in the northern district",
    "The northern district's 50,000 missing votes were deleted by the election commission",
    "Election commission secretly cancels 50,000 votes in the northern district",
    "Proof that the election commission erased fifty thousand votes in the north district",
    "The election board deleted 50,000 northern district votes without telling anyone",
]

COPY_TEXT = (
    "BREAKING: The health ministry is hiding 4,000 deaths caused by the new vaccine. "
    "Share before they delete this! #VaccineCoverUp"
)

EMBASSY_CITIES = [
    "Accra",
    "Nairobi",
    "Lima",
    "Hanoi",
    "Oslo",
    "Rabat",
    "Manila",
    "Quito",
    "Dakar",
    "Tbilisi",
    "Amman",
    "Lusaka",
    "Bogota",
]


def mention(
    mid: str,
    t: float,
    account: str,
    text: str,
    label: str,
    *,
    age_days: float,
    followers: int,
    **extra: Any,
) -> dict[str, Any]:
    created = T0 + timedelta(seconds=t)
    return {
        "id": mid,
        "platform": "x",
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "text": text,
        "author": {
            "id": account,
            "handle": "@" + account,
            "created_at": (created - timedelta(days=age_days)).isoformat().replace("+00:00", "Z"),
            "followers": followers,
        },
        "lang": "en",
        "label": label,
        **extra,
    }


def organic_chatter(rng: random.Random, n: int, span: float, prefix: str) -> list[dict[str, Any]]:
    return [
        mention(
            f"{prefix}-o{i}",
            rng.uniform(0, span),
            f"user{rng.randint(0, 10_000)}",
            rng.choice(ORGANIC),
            "organic",
            age_days=rng.uniform(400, 4000),
            followers=rng.randint(50, 3000),
        )
        for i in range(n)
    ]


def scenario_copy_paste(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 30, 3600, "cp")
    out += [
        mention(
            f"cp-c{k}",
            1200 + rng.uniform(0, 120),
            f"patriot{rng.randint(1000, 9999)}x{k}",
            COPY_TEXT,
            "campaign",
            age_days=rng.uniform(2, 20),
            followers=rng.randint(0, 30),
            hashtags=["VaccineCoverUp"],
        )
        for k in range(25)
    ]
    return out


def scenario_organic_viral(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 20, 7200, "ov")
    sites = [f"https://news{i}.example/quake-live" for i in range(25)]
    for k in range(150):
        text = f"{rng.choice(QUAKE_OPEN)} {rng.choice(QUAKE_WHERE)}. {rng.choice(QUAKE_TAIL)}"
        extra: dict[str, Any] = {}
        if rng.random() < 0.3:
            extra["links"] = [rng.choice(sites)]
        if rng.random() < 0.3:
            extra["hashtags"] = ["earthquake"]
        out.append(
            mention(
                f"ov-v{k}",
                300 + rng.expovariate(1 / 1500),
                f"resident{k}",
                text,
                "organic",
                age_days=rng.uniform(300, 5000),
                followers=rng.randint(40, 20_000),
                **extra,
            )
        )
    return out


def scenario_official(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 20, 7200, "of")
    accounts = ["mfa_official"] + [f"embassy_{c.lower()}" for c in EMBASSY_CITIES]
    for k, account in enumerate(accounts):
        city = EMBASSY_CITIES[k - 1] if k else "the capital"
        text = (
            f"Today on #FriendshipDay we celebrate 60 years of partnership with our friends in {city}. "
            "Together for peace and prosperity #Diplomacy"
        )
        out.append(
            mention(
                f"of-e{k}",
                3600 + rng.uniform(0, 90),
                account,
                text,
                "official",
                age_days=rng.uniform(2000, 4000),
                followers=rng.randint(5000, 200_000),
                hashtags=["FriendshipDay", "Diplomacy"],
            )
        )
    for k in range(2):
        out.append(
            mention(
                f"of-f{k}",
                3700 + rng.uniform(0, 300),
                f"fan{k}",
                "Happy #FriendshipDay to all our partners, 60 years of partnership! #Diplomacy",
                "organic",
                age_days=900,
                followers=120,
                hashtags=["FriendshipDay", "Diplomacy"],
            )
        )
    return out


def scenario_paraphrase(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 30, 3600, "pp")
    for k, text in enumerate(PARAPHRASES):
        out.append(
            mention(
                f"pp-c{k}",
                1800 + rng.uniform(0, 180),
                f"truthseeker{rng.randint(100, 999)}_{k}",
                text + " #StolenNorth",
                "campaign",
                age_days=rng.uniform(1, 25),
                followers=rng.randint(0, 40),
                hashtags=["StolenNorth"],
            )
        )
    return out


def scenario_multilingual_campaign(rng: random.Random) -> list[dict[str, Any]]:
    """One claim pushed in eight languages by 40 new accounts in 10 minutes, no shared hashtag or link
    (issue 10), amid an hour of everyday chatter in the same eight languages from old accounts."""
    data = Path(__file__).resolve().parents[1] / "data"
    claims = {c["claim"]: c for c in map(json.loads, (data / "multilingual_claims.jsonl").open())}
    versions = claims["ambassador-spy"]["texts"]
    chatter = [(c["lang"], t) for c in map(json.loads, (data / "multilingual_chatter.jsonl").open())
               for t in c["texts"]]  # fmt: skip
    out = []
    for k in range(60):
        lang, text = chatter[k % len(chatter)]
        row = mention(f"ml-o{k}", rng.uniform(0, 3600), f"local{rng.randint(0, 10_000)}", text, "organic",
                      age_days=rng.uniform(400, 4000), followers=rng.randint(50, 3000))  # fmt: skip
        out.append({**row, "lang": lang})
    k = 0
    for lang, (original, paraphrase) in sorted(versions.items()):
        for text in (original, paraphrase, original, paraphrase, original):
            row = mention(f"ml-c{k}", 1500 + rng.uniform(0, 600), f"voice{rng.randint(100, 999)}_{k}",
                          text, "campaign", age_days=rng.uniform(1, 25), followers=rng.randint(0, 40))  # fmt: skip
            out.append({**row, "lang": lang})
            k += 1
    return out


SCENARIOS = {
    "copy_paste": scenario_copy_paste,
    "organic_viral": scenario_organic_viral,
    "official": scenario_official,
    "paraphrase": scenario_paraphrase,
    "multilingual_campaign": scenario_multilingual_campaign,
}
#: Scenarios embedded with the multilingual default instead of all-MiniLM-L6-v2.
MULTILINGUAL = frozenset({"multilingual_campaign"})


def _encoders() -> dict[bool, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before the import: the bundled copies only
    from streams.models import build_embedder

    english = build_embedder("english", backend="torch", near_copy_bits=0).inner
    return {False: english.encode, True: lambda texts: build_embedder(near_copy_bits=0).inner.encode(texts)}


def main(argv: list[str] | None = None) -> None:
    wanted = set(argv if argv is not None else sys.argv[1:]) or set(SCENARIOS)
    write_scenarios({k: v for k, v in SCENARIOS.items() if k in wanted}, first_seed=0, seeds=SCENARIOS)


def write_scenarios(
    scenarios: dict[str, Callable[[random.Random], list[dict[str, Any]]]],
    *,
    first_seed: int,
    seeds: dict[str, Any] | None = None,
) -> None:
    """Build each scenario from its own seed (its place in ``seeds``, all of ``scenarios`` by default),
    embed it with its model (the multilingual default for ``MULTILINGUAL``), write ``<name>.jsonl``."""
    encoders = _encoders()
    order = list(seeds or scenarios)
    for name, build in scenarios.items():
        seed = first_seed + order.index(name)
        rows = sorted(build(random.Random(seed)), key=lambda r: (r["created_at"], r["id"]))
        vectors = encoders[name in MULTILINGUAL]([r["text"] for r in rows])
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row, vec in zip(rows, vectors, strict=True):
                row["vector"] = base64.b64encode(np.asarray(vec, dtype="<f2").tobytes()).decode("ascii")
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(name, len(rows))


if __name__ == "__main__":
    main()
