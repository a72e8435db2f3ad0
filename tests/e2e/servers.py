"""Start the real action server and Rasa server for end-to-end tests."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "zelfscan.tar.gz"
TOKEN = "e2e-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float, proc: subprocess.Popen) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


class Stack:
    """Action server + Rasa server with a SQLite tracker store in ``workdir``."""

    def __init__(self, workdir: Path, credentials: Optional[Path] = None):
        if not MODEL.exists():
            raise FileNotFoundError(f"{MODEL} is missing: run `make train` first")
        self.workdir = workdir
        self.actions_port, self.rasa_port = free_port(), free_port()
        self.credentials = credentials or self._rest_and_socketio(workdir)
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{workdir / "tracker.db"}"\n'
        )
        self.env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
        self.actions: Optional[subprocess.Popen] = None
        self.handoff = None
        self.rasa: Optional[subprocess.Popen] = None

    @staticmethod
    def _rest_and_socketio(workdir: Path) -> Path:
        path = workdir / "credentials.yml"
        path.write_text("rest:\nsocketio:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
                        "  session_persistence: true\n")
        return path

    def start_handoff(self) -> None:
        from tests.handoff_service.service import API_TOKEN, HandoffService

        self.handoff = HandoffService(self.workdir, extra_env={
            "TRACKER_DB_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
            "RASA_PUBLIC_URL": f"http://127.0.0.1:{self.rasa_port}",
        })
        self.handoff.start()
        self.env.update(HANDOFF_URL=self.handoff.url, HANDOFF_API_TOKEN=API_TOKEN,
                        HANDOFF_OUTBOX=str(self.workdir / "outbox.db"))

    def start_actions(self) -> None:
        self.actions = subprocess.Popen(
            [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
            cwd=ROOT, env=self.env, stdout=open(self.workdir / "actions.log", "ab"), stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 60, self.actions)

    def start_rasa(self) -> None:
        self.rasa = subprocess.Popen(
            [str(BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(self.rasa_port), "--endpoints",
             str(self.endpoints), "--credentials", str(self.credentials), "--enable-api", "--auth-token", TOKEN, "--cors", "*"],
            cwd=ROOT, env=self.env, stdout=open(self.workdir / "rasa.log", "ab"), stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.rasa_port}/", 180, self.rasa)

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

    def tracker(self, sender: str) -> Dict:
        url = f"http://127.0.0.1:{self.rasa_port}/conversations/{sender}/tracker?token={TOKEN}"
        return json.loads(urllib.request.urlopen(url, timeout=30).read())
