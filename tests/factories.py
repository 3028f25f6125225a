"""Shared test data: the vocabulary of synthetic organic chatter (unrelated, independently worded posts)."""

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
