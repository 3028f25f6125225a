"""Tests of the scenario simulator: determinism, ordering, schema validity, labels and contents."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from choruswatch.cli import main
from choruswatch.simulate import Scenario, generate
from schemas.models import parse_mention

REQUIRED_KINDS = {
    "copypaste",
    "paraphrase",
    "link_ring",
    "hashtag_push",
    "drip",
    "bilingual",
    "official",
    "organic",
    "viral",
    "waves",
    "slow_claims",
    "switch",
}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(seed=11, mentions=3000)


def test_same_seed_gives_same_scenario(scenario: Scenario) -> None:
    again = generate(seed=11, mentions=3000)
    assert again.mentions == scenario.mentions
    assert again.labels == scenario.labels
    assert again.allowlist == scenario.allowlist


def test_other_seed_gives_other_scenario(scenario: Scenario) -> None:
    other = generate(seed=12, mentions=3000)
    assert [m["id"] for m in other.mentions] != [m["id"] for m in scenario.mentions]


def test_size_sorted_and_unique(scenario: Scenario) -> None:
    assert len(scenario.mentions) == 3000
    times = [parse_mention(json.dumps(m)).created_at for m in scenario.mentions]
    assert times == sorted(times)
    assert len({m["id"] for m in scenario.mentions}) == 3000


def test_every_mention_is_valid_mention_v1(scenario: Scenario) -> None:
    for raw in scenario.mentions:
        mention = parse_mention(json.dumps(raw, ensure_ascii=False))
        assert mention.id == raw["id"]
        assert mention.author.id == raw["author"]["id"]


def test_labels_cover_every_mention(scenario: Scenario) -> None:
    assert [lab["mention_id"] for lab in scenario.labels] == [m["id"] for m in scenario.mentions]
    for lab in scenario.labels:
        assert set(lab) >= {"mention_id", "label", "topic", "kind", "created_at"}
        if lab["label"] == "organic":
            assert lab["topic"].startswith("organic:")
            assert lab["kind"] in {"organic", "viral"}
        elif lab["label"].startswith("official:"):
            assert lab["kind"] == "official"
        else:
            assert lab["label"].startswith("camp-")
            # A campaign that switches messages has one gold topic per message.
            assert lab["topic"] == lab["label"] or lab["topic"].startswith(lab["label"] + ":")


def test_contents_cover_every_required_kind_and_language(scenario: Scenario) -> None:
    kinds = {lab["kind"] for lab in scenario.labels}
    assert kinds == REQUIRED_KINDS
    campaigns: dict[str, set[str]] = defaultdict(set)
    organic_topics: set[str] = set()
    for raw, lab in zip(scenario.mentions, scenario.labels, strict=True):
        if lab["label"].startswith("camp-"):
            campaigns[lab["label"]].add(raw["lang"])
        elif lab["kind"] == "organic":
            organic_topics.add(lab["topic"])
    assert 12 <= len(campaigns) <= 16
    assert any("ar" in langs for langs in campaigns.values())
    assert any(len(langs) >= 2 for langs in campaigns.values())
    assert len(organic_topics) >= 20
    languages = {m["lang"] for m in scenario.mentions}
    assert {"en", "es", "ar"} <= languages
    assert len({m["author"]["id"] for m in scenario.mentions}) > 500


def test_viral_events_are_many_accounts_and_spread_out(scenario: Scenario) -> None:
    by_event: dict[str, list[dict[str, object]]] = defaultdict(list)
    for raw, lab in zip(scenario.mentions, scenario.labels, strict=True):
        if lab["kind"] == "viral":
            by_event[lab["topic"]].append(raw)
    assert len(by_event) == 4  # three events and the outlet's headline
    for posts in by_event.values():
        authors = {p["author"]["id"] for p in posts}  # type: ignore[index]
        assert len(authors) >= 0.8 * len(posts)
        first = parse_mention(json.dumps(posts[0])).timestamp
        last = parse_mention(json.dumps(posts[-1])).timestamp
        assert last - first > 3600  # organic decay over hours, not a synchronised burst


def test_allowlist_is_the_official_accounts(scenario: Scenario) -> None:
    official_authors = {
        raw["author"]["id"]
        for raw, lab in zip(scenario.mentions, scenario.labels, strict=True)
        if lab["kind"] == "official"
    }
    assert set(scenario.allowlist) == official_authors
    assert 10 <= len(official_authors) <= 20


def test_reposts_and_replies_point_to_earlier_mentions(scenario: Scenario) -> None:
    seen: set[str] = set()
    refs = 0
    for raw in scenario.mentions:
        for key in ("repost_of", "reply_to"):
            if key in raw:
                refs += 1
                assert raw[key] in seen
        seen.add(raw["id"])
    assert refs > 0


def test_cli_writes_identical_files_and_default_allowlist(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        out, labels = tmp_path / f"{run}.jsonl", tmp_path / f"{run}.labels.jsonl"
        code = main(
            ["simulate", "--seed", "5", "--mentions", "2000", "--out", str(out), "--labels", str(labels)]
        )
        assert code == 0
        allowlist = Path(f"{labels}.allowlist.txt").read_text(encoding="utf-8").splitlines()
        outputs.append(
            (out.read_bytes(), labels.read_bytes(), [x for x in allowlist if not x.startswith("#")])
        )
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0].splitlines()) == 2000
    assert len(outputs[0][2]) >= 10


def test_cli_rejects_too_few_mentions(tmp_path: Path) -> None:
    code = main(
        [
            "simulate",
            "--seed",
            "1",
            "--mentions",
            "10",
            "--out",
            str(tmp_path / "m"),
            "--labels",
            str(tmp_path / "l"),
        ]
    )
    assert code == 2
