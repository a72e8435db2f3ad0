"""Start the real action server and Rasa server for end-to-end tests."""
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from zelfscan_runtime.health import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "zelfscan.tar.gz"


def fresh_secrets() -> Dict[str, str]:
    """Fresh random secrets for one test run (production mode accepts them)."""
    return {name: secrets.token_hex(24) for name in
            ("ACTION_SERVER_TOKEN", "CONVERSATION_ID_SECRET", "RASA_JWT_SECRET", "HANDOFF_API_TOKEN",
             "HANDOFF_ERASURE_KEY")}


# The e2e suites replay whole scans at machine speed from one address, far above the
# public chat limits (zelfscan_channels/limits.py); a test of the limits sets its own
# through extra_env.
TEST_CHAT_LIMITS = {"CHAT_RATE_PER_CONVERSATION": "100000", "CHAT_RATE_PER_IP": "100000"}


class Stack:
    """Action server + Rasa server with a SQLite tracker store in ``workdir``."""

    def __init__(self, workdir: Path, credentials: Optional[Path] = None, production: bool = True,
                 extra_env: Optional[Dict[str, str]] = None):
        """Services started as `make run` starts them (python -m zelfscan_runtime ...), with
        var/ in ``workdir``, production mode and fresh secrets, the HTTP API on (JWT)."""
        if not MODEL.exists():
            raise FileNotFoundError(f"{MODEL} is missing: run `make train` first")
        self.workdir = workdir
        self.actions_port, self.rasa_port = free_port(), free_port()
        self.credentials = workdir / "credentials.yml"
        if credentials is None:
            self._rest_and_socketio(workdir)
        elif Path(credentials).resolve() != self.credentials.resolve():
            shutil.copyfile(credentials, self.credentials)
        self.secrets = fresh_secrets()
        self.env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore",
                        ZELFSCAN_VAR_DIR=str(workdir), ACTIONS_PORT=str(self.actions_port),
                        RASA_ENABLE_API="1", HANDOFF_OUTBOX=str(workdir / "outbox.db"), **self.secrets)
        if production:
            self.env["ZELFSCAN_ENV"] = "production"
        self.env.update(TEST_CHAT_LIMITS)
        self.env.update(extra_env or {})
        self.actions: Optional[subprocess.Popen] = None
        self.handoff = None
        self.rasa: Optional[subprocess.Popen] = None

    def runtime(self, *args: str, log: str) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "python"), "-m", "zelfscan_runtime", *args], cwd=ROOT, env=self.env,
                                stdout=open(self.workdir / log, "ab"), stderr=subprocess.STDOUT)

    @staticmethod
    def _rest_and_socketio(workdir: Path) -> Path:
        """The website channels exactly as the repository's credentials.yml has them."""
        from zelfscan_runtime import config

        config.write_credentials({"ZELFSCAN_VAR_DIR": str(workdir)})
        return workdir / "credentials.yml"

    def start_handoff(self) -> None:
        from tests.handoff_service.service import API_TOKEN, HandoffService

        self.handoff = HandoffService(self.workdir, extra_env={
            "TRACKER_DB_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
            "RASA_PUBLIC_URL": f"http://127.0.0.1:{self.rasa_port}",
        })
        self.handoff.start()
        # the demo page's widget talks to Rasa from the handoff service's origin; the
        # action server's links to the result page (/uitkomst) point there too
        self.env.update(HANDOFF_URL=self.handoff.url, HANDOFF_API_TOKEN=API_TOKEN, RASA_CORS_ORIGINS=self.handoff.url,
                        HANDOFF_PUBLIC_URL=self.handoff.url)

    def start_actions(self) -> None:
        self.actions = self.runtime("actions", "--port", str(self.actions_port), log="actions.log")
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 60, self.actions)

    def start_rasa(self) -> None:
        self.rasa = self.runtime("rasa", "--model", str(MODEL), "--port", str(self.rasa_port), log="rasa.log")
        wait_for(f"http://127.0.0.1:{self.rasa_port}/", 180, self.rasa)

    def api_headers(self) -> Dict[str, str]:
        """Authorization for the Rasa HTTP API: a JWT signed with RASA_JWT_SECRET."""
        import jwt

        token = jwt.encode({"user": {"username": "test", "role": "admin"}, "exp": int(time.time()) + 3600},
                           self.secrets["RASA_JWT_SECRET"], algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    def stop_rasa(self) -> None:
        if self.rasa:
            self.rasa.terminate()
            self.rasa.wait(30)
            self.rasa = None

    def stop(self) -> None:
        self.stop_rasa()
        if self.actions:
            self.actions.terminate()
            self.actions.wait(30)
        if self.handoff:
            self.handoff.stop()

    def say(self, sender: str, text: str) -> List[Dict]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(req, timeout=60).read())

    def new_conversation_id(self) -> str:
        """A website conversation id issued by the Rasa server (README, "Channels")."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/conversation", data=b"",
                                     method="POST")
        return json.loads(urllib.request.urlopen(req, timeout=30).read())["conversation_id"]

    def tracker(self, sender: str) -> Dict:
        req = urllib.request.Request(f"http://127.0.0.1:{self.rasa_port}/conversations/{sender}/tracker",
                                     headers=self.api_headers())
        return json.loads(urllib.request.urlopen(req, timeout=30).read())
