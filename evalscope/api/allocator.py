"""Big buffers that come and go without fresh pages from the kernel each time (glibc's malloc).

A request carrying a 0.5 MB image makes several buffers of ~0.7 MB (the base64, the ``data:`` URI, the JSON body)
and frees them once it is sent. glibc serves such sizes from its heap, but gives the heap's top back to the kernel
whenever more than its trim threshold is free (by default twice its dynamic mmap threshold: ~1.4 MB after such
buffers), so the next request faults in and zeroes ~500 fresh pages per buffer: measured here, 0.9 ms of kernel
time per image sent, with the GIL held. :func:`keep_freed_memory` raises the trim threshold, so that freed memory
is reused (at most ``trim_bytes`` stays free per arena), and fixes the mmap threshold; glibc only, once per process
(elsewhere it does nothing).
"""

from __future__ import annotations

import logging
import platform
import threading

logger = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
_lock = threading.Lock()
_state: dict[str, bool] = {}


def keep_freed_memory(trim_bytes: int = 64 << 20, mmap_bytes: int = 32 << 20) -> bool:
    """Tune glibc's malloc for big short-lived buffers (see the module); ``True`` when it is in effect."""
    with _lock:
        if "done" in _state:
            return _state["done"]
        done = False
        if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
            try:
                import ctypes

                mallopt = ctypes.CDLL(None).mallopt
                mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
                done = bool(mallopt(M_MMAP_THRESHOLD, mmap_bytes)) and bool(mallopt(M_TRIM_THRESHOLD, trim_bytes))
            except (OSError, AttributeError):
                done = False
        logger.debug("malloc thresholds for big buffers %s", "set" if done else "not set (not glibc)")
        _state["done"] = done
        return done
