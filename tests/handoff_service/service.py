"""Run the real handoff service in a subprocess for tests."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Optional

from tests.e2e.servers import ROOT, free_port

API_TOKEN = "test-machine-token-123"
ADMIN = ("beheerder", "een-lang-wachtwoord-1")


class HandoffService:
    def __init__(self, workdir: Path, database_url: Optional[str] = None, extra_env: Optional[Dict[str, str]] = None,
                 port: Optional[int] = None):
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite:///{workdir / 'handoff.db'}"
        self.tracker_db = workdir / "tracker.db"
        self.env = dict(
            os.environ, HANDOFF_DATABASE_URL=self.database_url, HANDOFF_API_TOKEN=API_TOKEN,
            INBOX_ADMIN_USER=ADMIN[0], INBOX_ADMIN_PASSWORD=ADMIN[1], HANDOFF_BACKGROUND_INTERVAL="1",
            TRACKER_DB_URL=f"sqlite:///{self.tracker_db}", ERASURE_DELAY_SECONDS="0",
            HANDOFF_PUBLIC_URL=self.url, PYTHONWARNINGS="ignore",
        )
        self.env.update(extra_env or {})
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "HandoffService":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "handoff", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=open(self.workdir / "handoff.log", "ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("handoff service exited: " + (self.workdir / "handoff.log").read_text()[-2000:])
            try:
                urllib.request.urlopen(self.url + "/health", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("handoff service did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.proc = None

    def cli(self, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "handoff", *args], cwd=ROOT, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=60)
