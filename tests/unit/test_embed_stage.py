"""Stage 1 (`streams.embed_stage.EmbedStage`) behind its ports, with the in-memory twins."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from detectors.embedding import HashingEmbedder
from streams.dlq import read_dead_letter_headers
from streams.embed_stage import EmbedConfig, EmbedStage
from streams.fakes import ManualClock, MemoryBroker, MemoryOffsets
from streams.metrics import Metrics
from streams.ports import InRecord
from streams.wire import TICK_HEADER, decode_routed, decode_tick

CONFIG = EmbedConfig(
    routed_topic="routed",
    dlq_topic="dlq",
    routed_partitions=2,
    n_buckets=2,
    routing_seed=0,
    max_message_bytes=64 * 1024,
    max_future_s=600.0,
    idle_after_s=0.5,
)


def mention(i: int, text: str | None = None) -> bytes:
    body = {
        "id": f"m{i}",
        "platform": "x",
        "created_at": f"2026-03-01T10:00:{i % 60:02d}Z",
        "text": text or f"post {i} about the harbour strike and the new ferry timetable",
        "author": {"id": f"u{i}"},
    }
    return json.dumps(body).encode()


def records(values: Sequence[bytes | None], partition: int = 0) -> list[InRecord]:
    return [InRecord("mentions", partition, i, b"k", v, (), 1_772_359_200_000) for i, v in enumerate(values)]


def stage(broker: MemoryBroker, embedder: Any = None, config: EmbedConfig = CONFIG, **kw: Any) -> EmbedStage:
    broker.partitions.update({"routed": 2})
    return EmbedStage(
        config,
        embedder=embedder or HashingEmbedder(),
        producer=broker,
        clock=ManualClock(),
        metrics=Metrics(),
        run_blocking=_inline,
        **kw,
    )


async def _inline(fn: Any, *args: Any) -> Any:
    return fn(*args)


def data(broker: MemoryBroker) -> list[InRecord]:
    return [r for r in broker.records("routed") if r.header(TICK_HEADER) is None]


def test_valid_mentions_are_routed_once_each_then_ticks_vouch_for_them() -> None:
    broker = MemoryBroker()
    s = stage(broker)
    asyncio.run(s.handle(records([mention(i) for i in range(10)])))
    routed = [decode_routed(r.value) for r in data(broker)]
    assert sorted(r.mention.id for r in routed) == [f"m{i}" for i in range(10)]
    assert all(r.source_partition == 0 for r in routed) and {r.source_offset for r in routed} == set(
        range(10)
    )
    assert all(np.isclose(np.linalg.norm(r.vector), 1.0) for r in routed)
    for p in (0, 1):  # the tick after the batch reaches every routed partition, behind the data
        recs = broker.records("routed", p)
        assert recs[-1].header(TICK_HEADER) == b"1" and decode_tick(recs[-1].value)[0].newest_s is not None
    assert s.progress.handled() == {0: 10} and broker.records("dlq") == []


def test_poison_records_are_dead_lettered_one_by_one_and_take_no_valid_mention_with_them() -> None:
    poison: list[bytes | None] = [
        b"\xff\xfe",
        b"[1]",
        None,
        mention(90)[:-1] + b', "followers": ' + b"9" * 5000 + b"}",
        mention(91).replace(b"post 91", b"\\ud800 post"),
        mention(92).replace(b"2026-03-01", b"0001-01-01"),
        b"z" * (70 * 1024),
    ]
    values: list[bytes | None] = []
    for i in range(30):
        values.append(mention(i))
        if i % 4 == 0 and poison:
            values.append(poison.pop(0))
    broker = MemoryBroker()
    metrics = Metrics()
    s = EmbedStage(
        CONFIG,
        embedder=HashingEmbedder(),
        producer=broker,
        clock=ManualClock(),
        metrics=metrics,
        run_blocking=_inline,
    )
    broker.partitions["routed"] = 2
    asyncio.run(s.handle(records(values)))
    assert len(data(broker)) == 30
    dead = broker.records("dlq")
    codes = [read_dead_letter_headers(r.headers)["error-code"] for r in dead]
    assert codes == ["decode", "schema", "decode", "decode", "schema", "schema", "too_large"]
    assert [r.value for r in dead[:2]] == [b"\xff\xfe", b"[1]"]  # the original bytes
    assert s.progress.handled() == {0: len(values)}  # every offset accounted for
    consumed = metrics.mentions_consumed._value.get()
    assert consumed == len(values) == 30 + len(dead)


def test_a_transient_broker_failure_is_retried_until_the_record_is_taken() -> None:
    broker = MemoryBroker()
    states: list[bool] = []
    s = stage(broker, on_broker=states.append)
    s._outbox.sleep = _no_sleep
    broker.fail_next("routed", 3, retriable=True)
    asyncio.run(s.handle(records([mention(i) for i in range(5)])))
    assert len(data(broker)) == 5 and broker.records("dlq") == []
    assert states[0] is False and states[-1] is True


def test_a_record_the_broker_refuses_for_good_dead_letters_its_source_mention() -> None:
    broker = MemoryBroker()
    s = stage(broker)
    broker.fail_next("routed", 1, retriable=False)
    asyncio.run(s.handle(records([mention(i) for i in range(5)])))
    assert len(data(broker)) == 4
    (dead,) = broker.records("dlq")
    headers = read_dead_letter_headers(dead.headers)
    assert headers["error-code"] == "too_large" and dead.value == mention(0)


def test_a_routed_record_over_the_limit_is_dead_lettered_before_it_is_sent() -> None:
    broker = MemoryBroker()
    small = dataclasses.replace(CONFIG, max_routed_bytes=1500)
    s = stage(broker, config=small)
    asyncio.run(s.handle(records([mention(1), mention(2, "word " * 400)])))
    assert [decode_routed(r.value).mention.id for r in data(broker)] == ["m1"]
    assert read_dead_letter_headers(broker.records("dlq")[0].headers)["error-code"] == "too_large"


class _Picky:
    """An embedder that fails on one text, as a tokenizer bug would."""

    name, dim = "picky", 384

    def __init__(self) -> None:
        self.inner = HashingEmbedder()

    def encode(self, texts: Sequence[str]) -> Any:
        if any("poison" in t for t in texts):
            raise RuntimeError("tokenizer exploded")
        return self.inner.encode(texts)


def test_a_text_the_model_cannot_embed_is_dead_lettered_alone() -> None:
    broker = MemoryBroker()
    s = stage(broker, embedder=_Picky())
    asyncio.run(s.handle(records([mention(1), mention(2, "the poison text here"), mention(3)])))
    assert sorted(decode_routed(r.value).mention.id for r in data(broker)) == ["m1", "m3"]
    assert read_dead_letter_headers(broker.records("dlq")[0].headers)["error-code"] == "embed"


def test_ticks_report_idle_partitions_only_after_they_stayed_drained() -> None:
    broker = MemoryBroker()
    broker.partitions["mentions"] = 1
    s = stage(broker)
    clock = s.clock
    assert isinstance(clock, ManualClock)
    asyncio.run(s.handle(records([mention(1)])))
    # The input records were handed to the stage directly: the broker's `mentions` is empty, so the
    # partition counts as drained (everything up to its end offset handled).
    offsets = MemoryOffsets(broker, "mentions", assigned=(0,))
    asyncio.run(s.tick(offsets))
    first = decode_tick(broker.records("routed", 0)[-1].value)
    assert first[0].idle is False
    clock.advance(1.0)
    offsets.ages[0] = 0.9  # the last fetch response came before the drained spell was long enough
    asyncio.run(s.tick(offsets))
    assert decode_tick(broker.records("routed", 0)[-1].value)[0].idle is False
    offsets.ages[0] = 0.1  # a fresh response still shows nothing new
    asyncio.run(s.tick(offsets))
    assert decode_tick(broker.records("routed", 0)[-1].value)[0].idle is True


async def _no_sleep(seconds: float) -> None:
    return None
