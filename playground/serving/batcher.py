"""Dynamic batching, as Triton means it: requests that arrive together are gathered into one
model call of up to `max_batch_size` rows, waiting at most `max_queue_delay_us` after the first
for others to join; each request gets its own rows of the answer back. One call runs at a time,
on a thread of its own, so the event loop keeps accepting requests meanwhile — except for a model
that answers in microseconds (the spiral's ~50 µs), which runs on the loop: the thread hop would
cost more than the model."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: A model call that takes less than this (seconds, running mean) runs on the event loop itself.
INLINE_SECONDS = 2e-4


@dataclass
class BatchStatistics:
    """What the server has done: requests answered, model calls made, rows, and latencies."""

    requests: int = 0
    failures: int = 0
    calls: int = 0
    rows: int = 0
    queue_seconds: float = 0.0     # summed over requests: waiting to be batched
    compute_seconds: float = 0.0   # summed over calls
    latencies: deque = field(default_factory=lambda: deque(maxlen=1000))  # per request, seconds
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict:
        with self.lock:
            recent = sorted(self.latencies)
        p = (lambda q: recent[min(len(recent) - 1, int(q * len(recent)))] * 1000 if recent else None)
        return {"requests": self.requests, "failures": self.failures, "calls": self.calls, "rows": self.rows,
                "mean_batch_rows": self.rows / self.calls if self.calls else 0.0,
                "latency_ms_p50": p(0.5), "latency_ms_p99": p(0.99)}


@dataclass
class _Pending:
    rows: np.ndarray
    future: asyncio.Future
    arrived: float


class DynamicBatcher:
    """Batches `run(batch) -> answer rows` calls. Start it on the server's event loop."""

    def __init__(self, run: Callable[[np.ndarray], np.ndarray], max_batch_size: int = 64,
                 max_queue_delay_us: int = 500) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if max_queue_delay_us < 0:
            raise ValueError("max_queue_delay_us must be 0 or more")
        self.run, self.max_batch_size, self.max_queue_delay = run, int(max_batch_size), max_queue_delay_us / 1e6
        self.statistics = BatchStatistics()
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task | None = None
        self._compute_ema = INLINE_SECONDS  # the first calls go to a thread until it is measured
        self._held: _Pending | None = None  # a request that did not fit the last batch

    @property
    def ready(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def infer(self, rows: np.ndarray) -> np.ndarray:
        """The model's answer for `rows`, computed with whatever other requests came meanwhile."""
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(rows, future, time.perf_counter()))
        try:
            return await future
        except Exception:
            with self.statistics.lock:
                self.statistics.failures += 1
            raise

    def _take(self, batch: list[_Pending], count: int) -> int:
        """Move waiting requests into `batch` while they fit in max_batch_size rows; one that
        does not fit is held for the next batch."""
        while count < self.max_batch_size:
            if self._held is None:
                try:
                    self._held = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
            if count + len(self._held.rows) > self.max_batch_size:
                break
            batch.append(self._held)
            count += len(self._held.rows)
            self._held = None
        return count

    async def _loop(self) -> None:
        while True:
            first, self._held = self._held or await self._queue.get(), None
            batch = [first]
            count = self._take(batch, len(first.rows))
            if count < self.max_batch_size and self.max_queue_delay > 0:
                await asyncio.sleep(self.max_queue_delay)  # one timer a batch: the others may join
                count = self._take(batch, count)
            await self._run(batch)

    async def _run(self, batch: list[_Pending]) -> None:
        rows = np.concatenate([p.rows for p in batch]) if len(batch) > 1 else batch[0].rows
        start = time.perf_counter()
        try:
            # a model that answers in microseconds runs on the event loop: handing it to a thread
            # would cost more than it does; a slower one runs on a thread, the loop keeps serving
            answer = self.run(rows) if self._compute_ema < INLINE_SECONDS else await asyncio.to_thread(self.run, rows)
        except Exception as err:  # noqa: BLE001 - every waiting request hears of it
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(err)
            return
        done = time.perf_counter()
        self._compute_ema = 0.9 * self._compute_ema + 0.1 * (done - start)
        stats = self.statistics
        with stats.lock:
            stats.calls += 1
            stats.rows += len(rows)
            stats.compute_seconds += done - start
            stats.requests += len(batch)
            for pending in batch:
                stats.queue_seconds += start - pending.arrived
                stats.latencies.append(done - pending.arrived)
        position = 0
        for pending in batch:
            n = len(pending.rows)
            if not pending.future.done():
                pending.future.set_result(answer[position:position + n])
            position += n
