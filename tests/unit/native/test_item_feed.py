"""The engine's item feed: items in the plan's order to any number of workers, built ahead in a thread (image
benchmarks) no further than asked, the end seen by every worker, and an error building them raised in the
workers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from evalscope.native.engine import ItemFeed


def collect(feed: ItemFeed, workers: int) -> list:
    got: list = []

    async def worker() -> None:
        while (item := await feed.next()) is not None:
            got.append(item)
            await asyncio.sleep(0)

    async def main() -> None:
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        finally:
            feed.close()

    asyncio.run(main())
    return got


@pytest.mark.parametrize("threaded", [False, True])
def test_every_item_once_in_order(threaded):
    assert collect(ItemFeed(iter(range(103)), threaded=threaded, ahead=8), workers=7) == list(range(103))
    assert collect(ItemFeed(iter(()), threaded=threaded), workers=3) == []


def test_threaded_items_are_built_off_the_loop_and_at_most_a_few_ahead():
    built: list[tuple[int, bool]] = []
    main = threading.main_thread()

    def items():
        for i in range(40):
            built.append((i, threading.current_thread() is main))
            yield i

    feed = ItemFeed(items(), threaded=True, ahead=4)

    async def run() -> list[int]:
        ahead = []
        try:
            for _ in range(10):
                assert await feed.next() is not None
                await asyncio.sleep(0.02)  # time for the filler to run as far ahead as it may
                ahead.append(len(built))
        finally:
            feed.close()
        return ahead

    ahead = asyncio.run(run())
    assert not any(on_main for _, on_main in built)
    # taken k items: at most k + the queue (4) + one batch of 4 in the thread
    assert all(k + 1 <= n <= k + 1 + 4 + 4 for k, n in enumerate(ahead)), ahead


def test_an_error_building_items_reaches_every_worker():
    def items():
        yield 1
        raise ValueError("the data changed")

    with pytest.raises(ValueError, match="the data changed"):
        collect(ItemFeed(items(), threaded=True), workers=3)
