"""The one-line alert summary: what, how many accounts and posts in how long, and why."""

from __future__ import annotations

import pytest

from detectors.config import DetectorConfig
from detectors.scoring import IntervalChoice, Record, SignalResult, score_records
from detectors.summary import Reason, SummaryFacts, narrative_facts, reasons_from_signals, summarize

COPY = "BREAKING: the so-called aid convoy to Kordan was staged by foreign agents. Share before they delete this!"


def reasons(*named: tuple[str, str]) -> tuple[Reason, ...]:
    """Reasons in the order given, with decreasing contributions."""
    return tuple(Reason(signal, 1.0 - i / 10, phrase) for i, (signal, phrase) in enumerate(named))


def test_copy_paste_burst_names_accounts_posts_time_and_top_reasons() -> None:
    why = reasons(
        ("near_duplicate", "38 near-copies"),
        ("new_accounts", "31 under 30 days old"),
        ("co_links", "link veridia-news.example shared by 30 accounts"),
        ("burstiness", "a burst: 12.0x its earlier rate"),
    )
    facts = SummaryFacts(COPY, accounts=34, posts=41, first_seen=1000.0, last_seen=1180.0, reasons=why)
    assert summarize(facts) == (
        "«BREAKING: the so-called aid convoy to Kordan was staged by…»: 34 accounts (31 under 30 days "
        "old) posted 41 times in 3 min (38 near-copies); link veridia-news.example shared by 30 accounts"
    )


def test_link_ring_reads_from_its_link_label() -> None:
    why = reasons(
        ("co_links", "link veridia-truth-daily.info shared by 28 accounts"),
        ("synchrony", "24 of 30 posts bunched with other accounts within 30 s beyond chance"),
    )
    label = "veridia-truth-daily.info › leaked memo proves election plot"
    facts = SummaryFacts(label, accounts=28, posts=30, first_seen=0.0, last_seen=400.0, reasons=why)
    line = summarize(facts)
    assert line.startswith(
        "«veridia-truth-daily.info › leaked memo proves election plot»: 28 accounts posted"
    )
    assert "in 7 min; link veridia-truth-daily.info shared by 28 accounts; 24 of 30 posts bunched" in line


def test_non_latin_label_and_campaign_of_several_narratives() -> None:
    label = "عاجل: الحكومة تخفي الحقيقة عن انقطاع المياه في العاصمة، انشروا قبل الحذف"
    why = reasons(("low_followers", "35 with fewer than 50 followers"))
    facts = SummaryFacts(label, 40, 52, 0.0, 2 * 3600.0, reasons=why, narratives=3)
    line = summarize(facts)
    assert line.startswith(
        "«عاجل: الحكومة تخفي الحقيقة عن انقطاع المياه في العاصمة،…» and 2 related narratives:"
    )
    assert line.endswith("40 accounts (35 with fewer than 50 followers) posted 52 times in 2 h")


def test_long_label_and_line_are_capped() -> None:
    why = reasons(*((f"s{i}", "x" * 120) for i in range(3)))
    facts = SummaryFacts("word " * 60, 5, 5, 0.0, 30.0, reasons=why)
    line = summarize(facts, max_chars=200)
    assert len(line) <= 200 and line.endswith("…")
    assert summarize(facts).count("word") <= 12  # the label is cut to 60 characters


def test_authentic_official_campaign_says_so_and_one_account_reads_singular() -> None:
    facts = SummaryFacts("Happy #FriendshipDay", 1, 1, 0.0, 20.0, authentic=True)
    assert summarize(facts) == (
        "«Happy #FriendshipDay»: 1 account posted once in 20 s; led by allowlisted official accounts"
    )


def test_bad_facts_are_rejected() -> None:
    with pytest.raises(ValueError, match="before first_seen"):
        SummaryFacts("x", 3, 3, 100.0, 50.0)
    with pytest.raises(ValueError, match="narratives"):
        SummaryFacts("x", 3, 3, 0.0, 1.0, narratives=0)


def test_reasons_keep_only_contributing_signals_with_words_largest_first() -> None:
    signals = {
        "distinct_accounts": SignalResult(0.9, 0.0, 0.0, "34 accounts", ""),
        "near_duplicate": SignalResult(1.0, 0.3, 0.2, "…", "38 near-copies"),
        "new_accounts": SignalResult(1.0, 0.15, 0.1, "…", "31 under 30 days old"),
        "co_links": SignalResult(0.0, 0.15, 0.0, "not available", ""),
        "tightness": SignalResult(1.0, 0.1, 0.1, "…", "wording unusually alike (similarity 0.97)"),
    }
    assert [r.signal for r in reasons_from_signals(signals)] == [
        "near_duplicate",
        "new_accounts",
        "tightness",
    ]


def test_summary_of_a_scored_narrative() -> None:
    # 25 new accounts post one text within 75 s: the real signal functions write the reasons.
    records = [
        Record(1000 + 3 * i, f"acc{i}", "same", 7, (), "", None, True, None, 0.97, f"m{i}", False, i == 0, 12)
        for i in range(25)
    ]
    score = score_records(
        records, now=1100.0, interval=IntervalChoice(30.0), background_rate=1.0, cfg=DetectorConfig()
    )
    facts = narrative_facts(COPY, accounts=25, posts=25, first_seen=1000.0, last_seen=1072.0, score=score)
    line = summarize(facts)
    assert line.startswith("«BREAKING: the so-called aid convoy")
    assert "25 accounts (25 under 30 days old) posted 25 times in 72 s (25 near-copies)" in line
