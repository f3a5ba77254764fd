import asyncio

import pytest

from evalscope.errors import UsageError
from evalscope.perf import event_loop


async def _which():
    return type(asyncio.get_running_loop()).__module__


def test_asyncio_is_the_standard_loop():
    assert event_loop.loop_name("asyncio") == "asyncio"
    assert event_loop.run(_which(), "asyncio").startswith("asyncio")


def test_auto_takes_uvloop_when_installed():
    try:
        import uvloop  # noqa: F401
    except ImportError:
        assert event_loop.loop_name("auto") == "asyncio"
        with pytest.raises(UsageError, match=r"pip install 'evalscope\[perf\]'"):
            event_loop.run(_which(), "uvloop")
        return
    assert event_loop.loop_name("auto") == "uvloop"
    assert event_loop.run(_which(), "auto").startswith("uvloop")
