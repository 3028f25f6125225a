"""Stage 1: validate raw mentions, embed them in micro-batches, route each to its bucket.

For every record of a batch (`handle`): `check_record` gives a Mention or a Rejection (dead-lettered
with the original bytes and the reason); the valid mentions are embedded in one call through the
cache, off the event loop (a model call blocks for tens of milliseconds; heartbeats must go on), their
vectors rounded as on the wire, routed to a bucket of `mentions.routed`, encoded and sent. Anything
that fails for one mention on the way out (a text JSON cannot carry, a routed record over the size
limit, a record the broker refuses) dead-letters that mention alone; the batch goes on. The sends are
settled before `handle` returns, so faust never commits a source offset whose routed record is not on
the broker.

After each batch, and on a timer (`tick`), the stage reports its progress per source partition to every
routed partition (tick records): stage 2's watermark.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.embedding import Embedder
from detectors.engine import SourceMark, SourceProgress, wire_vectors
from detectors.routing import bucket_key, route_buckets
from schemas.models import Mention
from streams.dlq import DEFAULT_MAX_DEAD_LETTER_BYTES, dead_letter_record
from streams.metrics import Metrics
from streams.outbox import Outbox
from streams.ports import Clock, InRecord, OutRecord, PartitionOffsets, Producer
from streams.validation import Rejection, check_record
from streams.wire import TICK_HEADER, RoutedMention, encode_routed, encode_tick

log = logging.getLogger(__name__)

# A routed record carries the mention, its vector (~1 KB) and JSON escapes; Kafka's default message
# limit is 1 MB, and faust's producer is configured for 1 MiB requests.
MAX_ROUTED_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class EmbedConfig:
    routed_topic: str
    dlq_topic: str
    routed_partitions: int
    n_buckets: int
    routing_seed: int
    max_message_bytes: int
    max_future_s: float
    idle_after_s: float
    max_routed_bytes: int = MAX_ROUTED_BYTES
    max_dead_letter_bytes: int = DEFAULT_MAX_DEAD_LETTER_BYTES


@dataclass(frozen=True, slots=True)
class _Valid:
    record: InRecord
    mention: Mention


class EmbedStage:
    """Stage 1 behind its ports; `streams.app` calls `handle` per micro-batch and `tick` on a timer."""

    def __init__(
        self,
        config: EmbedConfig,
        *,
        embedder: Embedder,
        producer: Producer,
        clock: Clock,
        metrics: Metrics,
        run_blocking: Callable[..., Any] = asyncio.to_thread,
        on_broker: Callable[[bool], None] = lambda up: None,
    ) -> None:
        self.config = config
        self.embedder = embedder
        self.clock = clock
        self.metrics = metrics
        self.progress = SourceProgress(idle_after_s=config.idle_after_s)
        self._outbox = Outbox(producer, on_broker=on_broker)
        self._run_blocking = run_blocking
        self._newest_event: float | None = None  # newest event time this process has accepted

    async def handle(self, records: Sequence[InRecord]) -> None:
        """Validate, embed, route and send one micro-batch; never raises for bad input."""
        valid: list[_Valid] = []
        for record in records:
            self.metrics.mentions_consumed.inc()
            verdict = self._check(record)
            if isinstance(verdict, Rejection):
                await self._dead_letter(record, verdict)
            else:
                valid.append(_Valid(record, verdict))
        if valid:
            embedded, vectors = await self._embed(valid)
            await self._route(embedded, vectors)
        for failure in await self._outbox.settle():
            await self._refused(failure.tag, failure.error)
        await self._send_ticks(self.progress.busy_marks({r.partition for r in records}))

    def _check(self, record: InRecord) -> Mention | Rejection:
        verdict = check_record(
            record.value,
            kafka_timestamp_ms=record.timestamp_ms,
            newest_event_s=self._newest_event,
            max_bytes=self.config.max_message_bytes,
            max_future_s=self.config.max_future_s,
        )
        if isinstance(verdict, Mention) and (
            self._newest_event is None or verdict.timestamp > self._newest_event
        ):
            self._newest_event = verdict.timestamp
        return verdict

    async def _embed(self, valid: Sequence[_Valid]) -> tuple[list[_Valid], np.ndarray]:
        """The batch's vectors. If the batch fails, each text is tried alone: one that fails alone is
        dead-lettered (`embed`); if every one fails the model itself is down, so wait and try again
        (the stage stalls; nothing is acknowledged meanwhile)."""
        started = time.perf_counter()
        try:
            vectors = await self._encode([v.mention.text for v in valid])
            ok = list(valid)
        except Exception as exc:
            log.warning("embedding a batch of %d failed (%r); trying each text alone", len(valid), exc)
            ok, vectors = await self._embed_each(valid)
        self.metrics.observe_embedding_batch(len(valid), time.perf_counter() - started)
        hits, misses = getattr(self.embedder, "hits", None), getattr(self.embedder, "misses", None)
        if isinstance(hits, int) and isinstance(misses, int):
            self.metrics.set_cache_stats(hits, misses)
        return ok, vectors

    async def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """The embeddings rounded to float16 (the wire's bits), not yet normalised: `_route`
        normalises them exactly as `wire_vectors` does, and the routed record carries these bits, so
        stage 2 decodes the very vectors `choruswatch detect` computes (rounding the normalised vector
        to float16 again shifted ~5% of narrative centroids by ~1e-7, enough to change a campaign's
        tightness in the 7th digit)."""
        raw = await self._run_blocking(self.embedder.encode, list(texts))
        vectors = np.asarray(raw, dtype="<f2").astype(np.float32)
        if vectors.shape[0] != len(texts) or not np.isfinite(vectors).all():
            raise ValueError("the embedder returned a wrong shape or non-finite values")
        return vectors

    async def _embed_each(self, valid: Sequence[_Valid]) -> tuple[list[_Valid], np.ndarray]:
        delay = 1.0
        while True:
            ok: list[_Valid] = []
            rows: list[np.ndarray] = []
            failed: list[tuple[_Valid, Exception]] = []
            for v in valid:
                try:
                    rows.append((await self._encode([v.mention.text]))[0])
                    ok.append(v)
                except Exception as exc:
                    failed.append((v, exc))
            if ok or len(valid) == 1:
                break
            log.error("the embedder fails on every text; retrying in %.0f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        for v, error in failed:
            await self._dead_letter(
                v.record, Rejection("embed", type(error).__name__, "text", repr(error)[:500])
            )
        return ok, np.stack(rows) if rows else np.zeros((0, self.embedder.dim), np.float32)

    async def _route(self, valid: Sequence[_Valid], vectors: np.ndarray) -> None:
        halves = vectors.astype("<f2")  # exact: `_encode` returns float16 values
        normed = wire_vectors(halves)
        buckets = route_buckets(normed, self.config.n_buckets, self.config.routing_seed)
        for v, vector, half, bucket in zip(valid, normed, halves, buckets, strict=True):
            rec = v.record
            item = RoutedMention(v.mention, vector, rec.timestamp_ms or 0, rec.partition, rec.offset, half)
            try:
                value = encode_routed(item)
            except (ValueError, UnicodeError) as exc:
                await self._dead_letter(rec, Rejection("encode", type(exc).__name__, "$", str(exc)[:500]))
                continue
            if len(value) > self.config.max_routed_bytes:
                reason = f"routed record of {len(value)} bytes exceeds {self.config.max_routed_bytes}"
                await self._dead_letter(rec, Rejection("too_large", "RecordTooLarge", "$", reason))
                continue
            # The partition is chosen, not hashed from the key: Kafka's partitioner puts the keys b0000
            # and b0001 on one partition of 4 and none on another, which would idle a worker.
            partition = int(bucket) % self.config.routed_partitions
            out = OutRecord(
                self.config.routed_topic, value, key=bucket_key(int(bucket)).encode(), partition=partition
            )
            await self._outbox.send(out, tag=rec)
            # Observed once handed on: a tick is sent after the batch settles, so it never vouches
            # for a mention still in flight.
            self.progress.observe(rec.partition, rec.offset, v.mention.timestamp)

    async def _refused(self, tag: Any, error: BaseException) -> None:
        """The broker refused a record for good: dead-letter what produced it (a routed record's
        source mention); a refused dead letter is logged and counted, nothing more can be done."""
        if isinstance(tag, InRecord):
            rejection = Rejection("too_large", type(error).__name__, "$", f"broker refused: {error!r}"[:500])
            await self._dead_letter(tag, rejection)
            for failure in await self._outbox.settle():
                self.metrics.dead_letter_failures.inc()
                log.error("dead letter refused for good: %r", failure.error)
        else:
            self.metrics.dead_letter_failures.inc()

    async def _dead_letter(self, record: InRecord, rejection: Rejection) -> None:
        out = dead_letter_record(
            record,
            rejection,
            dlq_topic=self.config.dlq_topic,
            now_ms=int(self.clock.time() * 1000),
            max_bytes=self.config.max_dead_letter_bytes,
        )
        await self._outbox.send(out, tag="dead-letter")
        self.metrics.mention_invalid(rejection.code)
        self.metrics.mention_dead_lettered(rejection.code)
        self.progress.observe(record.partition, record.offset, None)
        log.debug(
            "dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, rejection.code
        )

    async def tick(self, offsets: PartitionOffsets) -> None:
        """Report progress on the assigned source partitions, so the watermark moves while idle."""
        highwaters = await offsets.highwaters()
        if not highwaters:
            return
        positions = await offsets.positions()
        ages = await offsets.fetch_ages()
        await self._send_ticks(self.progress.marks(highwaters, positions, self.clock.monotonic(), ages))

    async def _send_ticks(self, marks: dict[int, SourceMark]) -> None:
        if not marks:
            return
        value = encode_tick(marks)
        for partition in range(self.config.routed_partitions):
            out = OutRecord(
                self.config.routed_topic, value, headers=((TICK_HEADER, b"1"),), partition=partition
            )
            await self._outbox.send(out, tag="tick")
        await self._outbox.settle()

    def revoke(self, partitions: Iterable[int]) -> None:
        """Another worker reads these source partitions now: forget what we knew of them."""
        self.progress.forget(partitions)
