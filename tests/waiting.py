"""Waiting on a condition instead of sleeping a fixed time (shared by the test suites)."""
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], seconds: float = 60.0, what: str = "condition", interval: float = 0.1) -> T:
    """Poll ``condition`` until it returns something true and return that; fail with an
    AssertionError naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)
