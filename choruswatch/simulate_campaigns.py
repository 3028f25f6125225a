"""Campaign kinds of `choruswatch simulate` that span several narratives, and their texts.

These are the campaigns a per-narrative detector cannot see as one operation (issue "Campaigns"):

* **waves**: young accounts post reworded versions of several claims about one subject in
  synchronised waves (a dozen accounts within ~40 s, waves minutes apart). Rewording by synonym
  choices splits the campaign into many small narratives; only the account network and the subject
  (theme) tie them together.
* **slow claims**: accounts post one to three reworded claims each over an hour and a half, no
  synchronised burst; what gives it away is who posts (young, few followers) and that they all
  push claims on one subject at once.
* **switch**: one set of accounts pushes one message, then an hour or two later another message on
  an unrelated subject, then a third. Different themes; only the accounts link them.
* **outlet event** (a hard negative, labelled organic): a news outlet posts a headline and 120-160
  established accounts repost it or react in their own words over about an hour.

A claim template holds ``{a|b|c}`` groups; :func:`spin` picks one option per group, so one template
gives dozens of rewordings. All names of countries and organisations are fictional.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")


def spin(rng: random.Random, template: str) -> str:
    """One rewording of ``template``: every ``{a|b|c}`` group replaced by one of its options."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class WaveSpec:
    """Claims pushed in synchronised waves by a pool of young accounts."""

    id: str
    accounts: tuple[int, int]
    waves: tuple[int, int]
    per_wave: int
    wave_span_s: float
    wave_gap_s: tuple[float, float]
    claims: tuple[str, ...]
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class SlowClaimsSpec:
    """Claims posted one to three times per account, spread over ``duration_s``."""

    id: str
    accounts: tuple[int, int]
    posts_per_account: tuple[int, int]
    duration_s: float
    claims: tuple[str, ...]
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class SwitchSpec:
    """One set of accounts pushing one message per phase; phases on unrelated subjects."""

    id: str
    accounts: tuple[int, int]
    phase_span_s: float
    phase_gap_s: tuple[float, float]
    participation: float  # share of the accounts that post in each phase
    phases: tuple[tuple[str, ...], ...]
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class OutletEventSpec:
    """An outlet's headline reposted and discussed by established accounts (organic)."""

    id: str
    outlet_handle: str
    headline: str
    url: str
    accounts: tuple[int, int]
    repost_share: float
    reactions: tuple[str, ...]
    tags: tuple[str, ...]


WAVES: tuple[WaveSpec, ...] = (
    WaveSpec(
        id="camp-waves-1",
        accounts=(50, 70),
        waves=(6, 6),
        per_wave=12,
        wave_span_s=40.0,
        wave_gap_s=(480.0, 1200.0),
        claims=(
            "{The|Our} {tap water|drinking water|water supply} in {the capital|Veridia City} {is being|has been} "
            "{poisoned|contaminated|tainted} by {Kordan|Kordanian agents} {and|while} {the government|officials|"
            "the ministry} {stays silent|covers it up|says nothing}.",
            "{Hospitals|Clinics|Doctors} {are seeing|report|have recorded} {hundreds|dozens|a wave} of {sick children|"
            "poisoned families|patients} {after drinking|from} {tap water|the city water}{, and nobody asks why| and "
            "the press ignores it|}.",
            "{Kordan|Kordanian contractors} {ran|built|controls} the {water treatment plant|treatment works|water "
            "plant} {that is now|which is} {making people sick|poisoning us|failing}{. Coincidence?|. Think about it.|}",
            "{The ministry|Officials|The water board} {knew|were warned|had reports} about the {contamination|toxic "
            "water|poisoned supply} {for weeks|months ago|since spring} {and hid it|and did nothing|but kept quiet}.",
        ),
    ),
)

SLOW_CLAIMS: tuple[SlowClaimsSpec, ...] = (
    SlowClaimsSpec(
        id="camp-slowclaims-1",
        accounts=(35, 45),
        posts_per_account=(1, 3),
        duration_s=5400.0,
        claims=(
            "{Thousands of|Boxes of|Entire bags of} {ballots|postal votes} {were found|turned up|were dumped} "
            "{in a river|behind a school|in a warehouse} {near|outside} {Port Avel|the northern district}{.|!|, "
            "where is the outrage?}",
            "{The|This} {election|vote count|count} in {Port Avel|the northern district} {is rigged|was rigged|"
            "has been stolen}{, the voting machines were hacked| by hacked voting machines|: the machines flipped "
            "votes}.",
            "{Dead people|Deceased voters|People who died years ago} {voted|cast ballots|are on the rolls} in "
            "{Port Avel|the northern district}{, check the lists yourself|. Look it up.|}",
            "{Observers|Poll watchers|Independent monitors} {were thrown out|were kept away|were barred} "
            "{from the count|during the count} in {Port Avel|the northern district}{. Why?|, ask yourself why|}",
        ),
    ),
)

SWITCHES: tuple[SwitchSpec, ...] = (
    SwitchSpec(
        id="camp-switch-1",
        accounts=(25, 35),
        phase_span_s=600.0,
        phase_gap_s=(3600.0, 7200.0),
        participation=0.8,
        phases=(
            (
                "{The|This} {new|proposed} {fuel tax|petrol levy} {will|is going to} {ruin|crush|destroy} "
                "{small farmers|family farms|rural families}{. Stop it now.|, say no!|}",
                "{Farmers|Rural families} {cannot|can't} {survive|afford} {another|this} {fuel tax|petrol levy}"
                "{, tell your MP|. Enough!|}",
            ),
            (
                "{The national football team|Our national side} {sold|threw} {the qualifier|last night's match} "
                "{for money|to betting syndicates}{, the federation knows|. Investigate now|}.",
                "{Betting syndicates|Gambling rings} {bought|fixed} {the qualifier|last night's match} "
                "{and the federation|while the federation} {looks away|says nothing}.",
            ),
            (
                "{The|This} {5G rollout|new mobile mast network} {is|has been} {making people ill|causing "
                "headaches and nosebleeds} {in the suburbs|near schools}{, switch it off|. Wake up.|}",
                "{Parents|Teachers} {report|say} {children are getting sick|kids feel ill} {near|next to} "
                "{the new masts|the 5G towers}{, and the operators deny it|. Coincidence?|}",
            ),
        ),
    ),
)

OUTLET_EVENTS: tuple[OutletEventSpec, ...] = (
    OutletEventSpec(
        id="event-outlet-bridge",
        outlet_handle="VeridiaDailyNews",
        headline="Breaking: the old harbour bridge in Veridia City will close for two years of repairs",
        url="https://veridia-daily.example/city/harbour-bridge-closure",
        accounts=(120, 160),
        repost_share=0.5,
        reactions=(
            "{Two years|2 years}? {My commute is ruined|There goes my commute|That is going to be chaos}{.|!|…}",
            "{Honestly|Well,} {about time|it was overdue}{, that bridge has been shaking for years|. The bridge "
            "is falling apart|}.",
            "{So|And} {how|where} are {we|buses|delivery trucks} supposed to cross {now|for two years}?",
            "{Saw|Read} {the news|this} about the harbour bridge{ closing|}{. Ugh.|, not great.|}",
            "{Good|Great}, {more traffic|even more traffic} on the ring road{ for two years| then}.",
        ),
        tags=("HarbourBridge", "VeridiaCity", "traffic"),
    ),
)
