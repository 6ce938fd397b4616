"""Runs concurrent parse requests through the pipeline together, off the event loop.

While one batch is in the worker thread, new requests queue up; the next batch takes
all of them at once. At low load a request is parsed alone with no added wait; under
load, batching lets the sentence encoder work on many texts in one call.

Up to ``workers`` batches are in flight at once, each on a thread of its own: while one
batch waits for the sentence encoder (which releases the GIL), the next batch's
n-gram stage runs, so confident messages are not held up behind unsure ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from bot.nlu.message import Message

__all__ = ["ParseBatcher"]

log = logging.getLogger(__name__)

ParseFn = Callable[[Sequence[str]], list[Message]]


class ParseBatcher:
    def __init__(self, parse: ParseFn, max_batch: int = 64, workers: int = 2) -> None:
        self._parse = parse
        self._max_batch = max_batch
        self._pending: list[tuple[str, asyncio.Future[Message]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(workers)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nlu")

    def swap(self, parse: ParseFn) -> None:
        """Use another pipeline from the next batch on (model reload)."""
        self._parse = parse

    async def start(self, warm_up: Callable[[], None] | None = None) -> None:
        """Start taking requests; ``warm_up`` runs first, on the parsing thread."""
        if warm_up is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, warm_up)
        self._task = asyncio.create_task(self._run(), name="parse-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._in_flight):
            task.cancel()
        for _, future in self._pending:
            if not future.done():
                future.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def parse(self, text: str) -> Message:
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                await self._slots.acquire()
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                task = asyncio.create_task(self._process_in_slot(batch))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)

    async def _process_in_slot(self, batch: list[tuple[str, asyncio.Future[Message]]]) -> None:
        try:
            await self._process(batch)
        finally:
            self._slots.release()

    async def _process(self, batch: list[tuple[str, asyncio.Future[Message]]]) -> None:
        texts = [text for text, _ in batch]
        try:
            loop = asyncio.get_running_loop()
            messages = await loop.run_in_executor(self._executor, self._parse, texts)
        except Exception as exc:  # one bad text must not fail the others or the server
            if len(batch) > 1:
                for item in batch:
                    await self._process([item])
                return
            log.exception("parse failed")
            if not batch[0][1].done():
                batch[0][1].set_exception(exc)
            return
        for (_, future), message in zip(batch, messages, strict=True):
            if not future.done():
                future.set_result(message)
