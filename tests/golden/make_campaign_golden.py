"""Regenerate the campaign-level golden scenarios with the real embedding model (run by hand).

    HF_HUB_OFFLINE=1 .venv/bin/python -m tests.golden.make_campaign_golden

Same file format as :mod:`tests.golden.make_golden` (a Mention v1 object per line plus ``label`` and
``vector``, the all-MiniLM-L6-v2 embedding as base64 float16). ``campaign_expected.json`` says what
the campaign level must conclude. The texts are written for these files and share nothing with
``choruswatch simulate``:

* ``campaign_waves``: 36 young accounts push four claims about one event (a grain silo fire), each
  claim reworded four ways, in four synchronised waves of 9 accounts within 40 s, 10-15 minutes apart,
  among organic chatter. The rewordings split into many small narratives; one campaign alert must
  cover them.
* ``campaign_drip``: 15 young accounts repeat four claims about a water privatisation, one post every
  3-7 minutes for three hours (the rate of the drip in the issue: four claims, 25 accounts, first
  narrative alert after 94 minutes), never two close together. It must alert within 60 minutes.
* ``campaign_outlet_viral``: a news outlet's storm headline, reposted and discussed in their own words
  by 70 established accounts over an hour: organic, nothing may alert as inauthentic.
"""

from __future__ import annotations

import random
from typing import Any

from tests.golden.make_golden import mention, organic_chatter, write_scenarios

SILO_CLAIMS: tuple[tuple[str, ...], ...] = (
    (
        "The grain silo fire in Port Brannock was sabotage, Kordan agents set it on purpose",
        "Kordanian saboteurs deliberately torched the Port Brannock grain silo",
        "That silo blaze in Port Brannock was no accident: Kordan lit it on purpose",
        "Port Brannock silo fire = deliberate sabotage by agents working for Kordan",
    ),
    (
        "Firefighters at Port Brannock were ordered to stand down while the silo burned",
        "Someone told the fire brigade to hold back as the Port Brannock silo went up in flames",
        "Why were the firemen told to wait while the grain silo in Port Brannock burned?",
        "Fire crews were kept away from the burning Port Brannock silo on orders from above",
    ),
    (
        "With the Port Brannock grain gone, bread prices will double by next month",
        "Get ready: losing the Port Brannock silo means bread will cost twice as much soon",
        "The silo fire wiped out the grain reserve, expect bread prices to double",
        "Bread is about to get twice as expensive because the Port Brannock grain burned",
    ),
    (
        "The ministry was warned about a threat to the Port Brannock silo and hid it",
        "Officials received a warning about the grain silo weeks ago and kept quiet",
        "They knew the Port Brannock silo was a target and covered up the warning",
        "A warning about an attack on the silo reached the ministry and was buried",
    ),
)

DRIP_CLAIMS = (
    "The water utility sale to Kordan Holdings was signed without a single public hearing.",
    "Nobody voted to hand our water to Kordan Holdings. Ask who signed the sale.",
    "Water bills will triple once Kordan Holdings owns the utility, mark my words.",
    "The minister who sold the water utility to Kordan Holdings now sits on its board.",
)

STORM_HEADLINE = "Storm Ilse: all schools in the northern province closed tomorrow, authorities say"
STORM_URL = "https://northern-herald.example/news/storm-ilse-schools-closed"
STORM_REACTIONS = (
    "Schools closed tomorrow because of Storm Ilse, the kids are thrilled",
    "Storm Ilse is really picking up here, trees bending everywhere",
    "Good call closing the schools, the roads are already flooding",
    "Now I need to find someone to watch the kids tomorrow, thanks Storm Ilse",
    "Power just flickered twice, this storm is no joke",
    "Stay inside tomorrow everyone, Storm Ilse looks nasty on the radar",
    "Our street is a river right now, hope the drains hold",
    "Closing the schools was overdue, the buses could never run in this",
    "Bringing the garden chairs in before Storm Ilse takes them",
    "The ferry is cancelled too, northern province is shutting down",
)


def scenario_waves(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 40, 5400, "cw")
    accounts = [f"patriot_{rng.randint(10_000, 99_999)}_{k}" for k in range(36)]
    for wave in range(4):
        start = 1200 + wave * 780 + rng.uniform(-60, 60)
        for k in range(9):
            claim = rng.choice(SILO_CLAIMS)
            out.append(
                mention(
                    f"cw-c{wave}-{k}",
                    start + rng.uniform(0, 40),
                    accounts[wave * 9 + k],
                    rng.choice(claim),
                    "campaign",
                    age_days=rng.uniform(2, 25),
                    followers=rng.randint(0, 30),
                )
            )
    return out


def scenario_drip(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 60, 4 * 3600, "cd")
    accounts = [f"citizen_{rng.randint(1000, 9999)}_{k}" for k in range(15)]
    t = 900.0
    k = 0
    while t < 900 + 3 * 3600:
        out.append(
            mention(
                f"cd-c{k}",
                t,
                accounts[k % len(accounts)],
                rng.choice(DRIP_CLAIMS),
                "campaign",
                age_days=rng.uniform(3, 28),
                followers=rng.randint(0, 40),
            )
        )
        t += rng.uniform(180, 420)
        k += 1
    return out


def scenario_outlet_viral(rng: random.Random) -> list[dict[str, Any]]:
    out = organic_chatter(rng, 20, 7200, "ov")
    headline = mention(
        "ov-h",
        600,
        "northern_herald",
        f"{STORM_HEADLINE} {STORM_URL}",
        "organic",
        age_days=4000,
        followers=450_000,
        links=[STORM_URL],
    )
    out.append(headline)
    for k in range(70):
        t = 620 + rng.gammavariate(1.5, 700)
        account = f"resident_{k}"
        age, followers = rng.uniform(300, 5000), rng.randint(40, 20_000)
        if rng.random() < 0.5:
            text = f"RT @northern_herald: {STORM_HEADLINE} {STORM_URL}"
            out.append(
                mention(
                    f"ov-r{k}",
                    t,
                    account,
                    text,
                    "organic",
                    age_days=age,
                    followers=followers,
                    repost_of="ov-h",
                    links=[STORM_URL],
                )
            )
        else:
            extra: dict[str, Any] = {"links": [STORM_URL]} if rng.random() < 0.3 else {}
            out.append(
                mention(
                    f"ov-v{k}",
                    t,
                    account,
                    rng.choice(STORM_REACTIONS),
                    "organic",
                    age_days=age,
                    followers=followers,
                    **extra,
                )
            )
    return out


SCENARIOS = {
    "campaign_waves": scenario_waves,
    "campaign_drip": scenario_drip,
    "campaign_outlet_viral": scenario_outlet_viral,
}


def main() -> None:
    write_scenarios(SCENARIOS, first_seed=100)


if __name__ == "__main__":
    main()
