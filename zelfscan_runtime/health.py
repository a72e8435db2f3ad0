"""Starting local service processes: a free port, and the wait until a process answers.

Used by the benchmark (scripts/benchmark_services.py) and by the tests that start real
services (tests/e2e/servers.py and what builds on it). Only the standard library, so
neither side imports the other.
"""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Optional


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(log: Optional[Path], chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log is not None and log.exists() else ""


def wait_for(url: str, seconds: float, proc: subprocess.Popen, log: Optional[Path] = None,
             interval: float = 0.2) -> None:
    """Return once ``url`` answers 2xx. Stop early with RuntimeError (and the end of
    ``log``) when ``proc`` exits first, with TimeoutError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(interval)
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s" + (f" (log: {log})" if log else ""))
