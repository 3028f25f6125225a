"""Shared test data: the vocabulary of synthetic organic chatter (unrelated, independently worded posts)
and a complete Alert v2 revision."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.alert_v2 import AlertV2

ORGANIC_WORDS: tuple[str, ...] = (
    "economy",
    "weather",
    "football",
    "election",
    "music",
    "movie",
    "travel",
    "food",
    "science",
    "health",
    "market",
    "city",
    "river",
    "school",
    "bridge",
    "garden",
    "library",
    "concert",
    "festival",
    "museum",
    "harbour",
    "train",
    "airport",
)


def campaign_stream(n_organic: int = 300, seed: int = 5) -> list[dict[str, object]]:
    """Mention v1 dicts in event-time order: organic chatter from old accounts over an hour, a
    copy-paste burst by 25 young accounts and a second one that repeats a link, both within minutes."""
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(seed)
    t0 = datetime(2026, 3, 1, 12, tzinfo=UTC)

    def row(
        mid: str, sec: float, account: str, text: str, age_days: int, **extra: object
    ) -> dict[str, object]:
        return {
            "id": mid,
            "platform": "x",
            "created_at": (t0 + timedelta(seconds=sec)).isoformat().replace("+00:00", "Z"),
            "text": text,
            "author": {
                "id": account,
                "created_at": (t0 - timedelta(days=age_days)).isoformat().replace("+00:00", "Z"),
                "followers": 10 if age_days < 30 else 800,
            },
            **extra,
        }

    rows = [
        row(f"o{i}", 3600 * i / n_organic, f"old{rng.randint(0, 4000)}",
            " ".join(rng.choice(ORGANIC_WORDS) for _ in range(9)) + f" {rng.randint(0, 10**6)}", 900)
        for i in range(n_organic)
    ]  # fmt: skip
    burst = "the northern dam is cracking and officials are hiding it, share before they delete this"
    rows += [row(f"c{k}", 900 + 4.0 * k, f"young{k}", burst, 5) for k in range(25)]
    link = "https://veridia-news.example/proof-of-fraud"
    rows += [
        row(
            f"l{k}",
            2000 + 6.0 * k,
            f"ring{k}",
            f"Must read {link} #StolenVote",
            9,
            links=[link],
            hashtags=["StolenVote"],
        )
        for k in range(15)
    ]
    return sorted(rows, key=lambda r: (str(r["created_at"]), str(r["id"])))


def make_alert_v2(**overrides: object) -> AlertV2:
    """A complete, valid Alert v2 revision: a campaign of three accounts across two narratives."""
    from datetime import UTC, datetime, timedelta

    from schemas.alert_v2 import (
        AlertV2,
        CampaignEvidence,
        CampaignInfo,
        EdgeEvidenceItem,
        NarrativeEntry,
        Network,
        NetworkEdge,
        NetworkNode,
        RuleInfo,
        Tally,
    )
    from schemas.models import DetectorInfo, SignalValue, TimelinePoint

    t0 = datetime(2026, 3, 1, 6, 33, tzinfo=UTC)
    narratives = tuple(
        NarrativeEntry(
            id=nid,
            label=label,
            keywords=("water", "kordan"),
            representative_texts=(label,),
            size=size,
            accounts=accounts,
            languages=("en",),
            platforms=("x",),
            first_seen=t0,
            last_seen=t0 + timedelta(minutes=9),
            theme_id="thm-01",
            score=None if nid == "nar-b" else 0.41,
            timeline=(TimelinePoint(t0, size - 1), TimelinePoint(t0 + timedelta(minutes=9), 1)),
        )
        for nid, label, size, accounts in (
            ("nar-a", "The tap water is poisoned by Kordan", 5, 3),
            ("nar-b", "Hospitals see sick children after drinking tap water", 2, 2),
        )
    )
    nodes = tuple(
        NetworkNode(
            account_id=f"u{k}",
            handle=f"@bot{k}" if k else None,
            posts=3 - k,
            created_at=t0 - timedelta(days=4 + k),
            age_days=4.0 + k,
            followers=k,
            new_account=True,
            low_followers=True,
            allowlisted=False,
        )
        for k in range(3)
    )
    edges = (
        NetworkEdge(
            "u0",
            "u1",
            weight=2.5,
            co_actions=3,
            fast=2,
            symmetry=1.0,
            evidence=(
                EdgeEvidenceItem(("m1", "m2"), 3.5, "theme", "thm-01"),
                EdgeEvidenceItem(("m4", "m5"), 8.0, "link", "https://example.org/a,b"),
            ),
        ),
        NetworkEdge("u0", "u2", weight=1.0, co_actions=1, fast=0, symmetry=1.0, evidence=()),
    )
    fields: dict[str, object] = {
        "alert_id": "cwc-00ff",
        "revision": 2,
        "status": "updated",
        "as_of": t0 + timedelta(minutes=10),
        "first_seen": t0,
        "last_seen": t0 + timedelta(minutes=9),
        "severity": "high",
        "score": 0.74,
        "authentic": False,
        "authentic_reason": None,
        "campaign": CampaignInfo(
            id="cmp-00ff",
            narrative_ids=("nar-a", "nar-b"),
            theme_ids=("thm-01",),
            accounts=3,
            posts=7,
            account_ids=("u0", "u1", "u2"),
            score_basis="campaign",
        ),
        "narratives": narratives,
        "signals": {
            "synchrony": SignalValue(1.0, 0.2, 0.4, "7 of 7 posts within 30 s"),
            "distinct_accounts": SignalValue(0.5, 0.0, 0.0, "3 accounts"),
        },
        "network": Network(nodes=nodes, edges=edges, node_count=3, edge_count=2),
        "evidence": CampaignEvidence(
            links=(Tally("https://example.org/a,b", 2, 2),),
            hashtags=(Tally("kordanlies water", 3, 2),),
            sample_mention_ids=("m1", "m2", "m4", "m5"),
        ),
        "detector": DetectorInfo("2.0", "all-MiniLM-L6-v2", {"theme_threshold": 0.36}),
        "rule": RuleInfo("coordinated-campaign", "coordinated campaign", "2.0"),
        "summary": "3 accounts (3 under 30 days old) posted 7 times across 2 narratives in 9 min",
        "languages": ("en",),
        "platforms": ("x",),
    }
    fields.update(overrides)
    return AlertV2(**fields)  # type: ignore[arg-type]
