"""Run the real handoff service in a subprocess for tests."""
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import requests
import sqlalchemy

from tests.e2e.servers import ROOT, free_port, wait_for

API_TOKEN = "handoff-test-token-" + "9f3c1a7e5b2d8046"  # 34 characters: production mode accepts it
ADMIN = ("beheerder", "een-lang-wachtwoord-1")


class HandoffService:
    def __init__(self, workdir: Path, database_url: Optional[str] = None, extra_env: Optional[Dict[str, str]] = None,
                 port: Optional[int] = None, default_database: bool = False):
        """``default_database``: no HANDOFF_DATABASE_URL, so the service uses its default
        file under ZELFSCAN_VAR_DIR (``workdir/var``)."""
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var_dir = workdir / "var"
        self.database_url = database_url or (f"sqlite:///{self.var_dir / 'handoff.db'}" if default_database
                                             else f"sqlite:///{workdir / 'handoff.db'}")
        self.tracker_db = workdir / "tracker.db"
        self.env = dict(
            os.environ, HANDOFF_DATABASE_URL=self.database_url, HANDOFF_API_TOKEN=API_TOKEN,
            INBOX_ADMIN_USER=ADMIN[0], INBOX_ADMIN_PASSWORD=ADMIN[1], HANDOFF_BACKGROUND_INTERVAL="1",
            TRACKER_DB_URL=f"sqlite:///{self.tracker_db}", ERASURE_DELAY_SECONDS="0",
            HANDOFF_PUBLIC_URL=self.url, PYTHONWARNINGS="ignore", ZELFSCAN_VAR_DIR=str(self.var_dir),
        )
        if default_database:
            del self.env["HANDOFF_DATABASE_URL"]
        self.env.update(extra_env or {})
        self.proc: Optional[subprocess.Popen] = None
        self._staff: Optional[requests.Session] = None

    @property
    def log(self) -> str:
        path = self.workdir / "handoff.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> "HandoffService":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "handoff", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=open(self.workdir / "handoff.log", "ab"), stderr=subprocess.STDOUT,
        )
        wait_for(self.url + "/health", 60, self.proc, self.workdir / "handoff.log")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.proc = None

    def sql(self, statement: str, **params: Any) -> Any:
        """Run one SQL statement on the service's database (as a look from outside): the
        rows of a query, else the number of rows changed."""
        engine = sqlalchemy.create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                result = conn.execute(sqlalchemy.text(statement), params)
                return result.all() if result.returns_rows else result.rowcount
        finally:
            engine.dispose()

    def cli(self, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "handoff", *args], cwd=ROOT, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=60)

    def staff_get(self, path: str) -> requests.Response:
        """GET as the staff account ADMIN (reading tickets takes a staff session; the
        action server's token may not). Logs in again when the session has ended."""
        for _ in range(2):
            if self._staff is None:
                self._staff = self.login(*ADMIN)
            response = self._staff.get(self.url + path, timeout=10, allow_redirects=False)
            if response.status_code != 401:
                return response
            self._staff = None
        return response

    def login(self, username: str, password: str, session: Optional[requests.Session] = None) -> requests.Session:
        s = session or requests.Session()
        page = s.get(self.url + "/inbox/login", timeout=10)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = s.post(self.url + "/inbox/login", data={"username": username, "password": password, "csrf_token": csrf,
                                                    "next": "/inbox"}, timeout=10, allow_redirects=False)
        assert r.status_code in (302, 303), (r.status_code, r.text[-500:])
        return s
