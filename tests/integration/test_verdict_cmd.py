"""`choruswatch verdict` against the embedded stack (Tansu + osmem-server), and reading verdicts back.

The command writes the verdict and its audit entry onto the alert document and publishes it to the
verdicts topic; the topic reader and the index pickup give the same decision back (the VerdictBook
records it once); pipeline revisions keep the analyst fields; clearing undoes; an edit made in
Kibana (a plain document update) is picked up; unknown alert ids and verdict values exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from choruswatch import verdict_cmd
from detectors.verdicts import VerdictBook
from streams.clients import es_client
from streams.settings import Settings
from streams.topics import create_topics, delete_topics, topic_specs
from streams.verdicts_io import VerdictTopicReader, pickup_verdicts
from tests.integration.test_es_sink import _get, _run_indexer, es_settings, make_alert

__all__ = ["es_settings"]  # the alert-index fixture of the sink tests, shared (it cleans up after itself)


@pytest.fixture
def verdict_settings(
    es_settings: Settings, unique_name: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """es_settings (an alias of this test's own, deleted afterwards) with a verdicts topic of its own,
    exported as the environment the command reads."""
    settings = dataclasses.replace(es_settings, topic_verdicts=unique_name("verdicts"))
    create_topics(settings, [s for s in topic_specs(settings) if s.name == settings.topic_verdicts])
    env = {
        "KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "ES_URL": settings.es_url,
        "ES_COMPAT_MODE": "plain-json",
        "ES_ALIAS": settings.es_alias,
        "TOPIC_VERDICTS": settings.topic_verdicts,
    }
    for name, value in env.items():
        monkeypatch.setenv(f"CHORUSWATCH_{name}", value)
    yield settings
    delete_topics(settings, [settings.topic_verdicts])


def verdict(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="choruswatch")
    verdict_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["verdict", *argv])
    return int(args.func(args))


def test_verdict_is_written_published_read_back_and_undone(verdict_settings: Settings) -> None:
    _run_indexer(verdict_settings, [[make_alert("cw-v1", 1)]])
    assert (
        verdict("cw-v1", "false_positive", "--note", "a fan club, not a campaign", "--analyst", "alice") == 0
    )

    analyst = _get(verdict_settings, "cw-v1")["analyst"]
    assert (analyst["verdict"], analyst["verdict_by"], analyst["verdict_revision"]) == (
        "false_positive",
        "alice",
        1,
    )
    assert [(h["verdict"], h["note"]) for h in analyst["verdict_history"]] == [
        ("false_positive", "a fan club, not a campaign")
    ]
    assert analyst["status"] == "new"  # fields the command does not own are left alone

    reader = VerdictTopicReader(verdict_settings)
    try:
        (from_topic,) = reader.read_all()
        client: Any = es_client(verdict_settings)
        try:
            from_index, newest = pickup_verdicts(client, verdict_settings.es_alias)
        finally:
            client.close()
        assert (from_topic.source, from_topic.accounts, from_topic.revision) == ("topic", ("a1",), 1)
        assert [r.identity() for r in from_index] == [from_topic.identity()]
        book = VerdictBook()
        book.apply_many([from_topic, *from_index])
        assert len(book.history("cw-v1")) == 1 and book.current("cw-v1").verdict == "false_positive"  # type: ignore[union-attr]

        # A pipeline revision never clobbers the analyst's fields.
        _run_indexer(verdict_settings, [[make_alert("cw-v1", 2)]])
        stored = _get(verdict_settings, "cw-v1")
        assert stored["choruswatch"]["revision"] == 2 and stored["analyst"]["verdict"] == "false_positive"

        assert verdict("cw-v1", "cleared", "--analyst", "bob") == 0
        (cleared,) = reader.read_all()
        book.apply(cleared)
        assert book.current("cw-v1") is None
        analyst = _get(verdict_settings, "cw-v1")["analyst"]
        assert analyst["verdict"] == "pending" and analyst["verdict_revision"] == 2
        assert [h["verdict"] for h in analyst["verdict_history"]] == ["false_positive", "cleared"]
        assert newest is not None
    finally:
        reader.close()


def test_a_verdict_set_in_kibana_is_picked_up(verdict_settings: Settings) -> None:
    _run_indexer(verdict_settings, [[make_alert("cw-k1", 1), make_alert("cw-k2", 1)]])
    client: Any = es_client(verdict_settings)
    try:
        assert pickup_verdicts(client, verdict_settings.es_alias)[0] == []  # nobody judged anything
        client.update(
            index=verdict_settings.es_alias,
            id="cw-k2",
            doc={
                "analyst": {"verdict": "authentic", "assignee": "carol", "updated_at": "2026-04-07T10:00:00Z"}
            },
            refresh=True,
        )
        (record,), newest = pickup_verdicts(client, verdict_settings.es_alias)
        assert (record.alert_id, record.verdict, record.analyst, record.source) == (
            "cw-k2",
            "authentic",
            "carol",
            "index",
        )
        assert record.accounts == ("a1",) and record.revision == 1
        again, _ = pickup_verdicts(client, verdict_settings.es_alias, since=newest)
        assert [r.identity() for r in again] == [record.identity()]  # at-or-after: the VerdictBook dedupes
    finally:
        client.close()


def test_unknown_alert_and_unknown_verdict_exit_2(
    verdict_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_indexer(verdict_settings, [[make_alert("cw-u1", 1)]])
    assert verdict("cw-nope", "confirmed") == 2
    assert "unknown alert id 'cw-nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        verdict("cw-u1", "maybe")
    assert exit_info.value.code == 2
    assert "invalid choice: 'maybe'" in capsys.readouterr().err
    assert _get(verdict_settings, "cw-u1")["analyst"]["verdict"] == "pending"
