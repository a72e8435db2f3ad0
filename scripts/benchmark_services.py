"""The two bots of `make benchmark`, started for a run and stopped after it.

* This assistant: its three services started exactly as `make run` starts them
  (``python -m zelfscan_runtime prepare``, then ``... handoff|actions|rasa``), in
  development mode with the embedded SQLite tracker store, ``var/`` in a fresh folder
  under build/benchmark/ and the public chat rate limits raised (one load tool on one
  address sends far more than a person does).
* The Rasa starter bot: ``rasa init --no-prompt`` into build/starter (trained once,
  with the same Rasa in .venv), served with ``rasa run`` and its own action server
  (``rasa run actions``; the starter's actions are commented out, so Rasa never calls
  it, but its memory belongs to the starter's footprint).

Every process is started here and stopped here, by its own process id.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from zelfscan_runtime.health import free_port, wait_for  # benchmark.py puts the project root on sys.path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUILD = ROOT / "build"
STARTER = BUILD / "starter"
STARTER_MODEL = BUILD / "starter-model.tar.gz"
MODEL = ROOT / "models" / "zelfscan.tar.gz"
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore",
         "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "LOG_LEVEL": "WARNING"}
# Far above what one load tool on one address sends (zelfscan_channels/limits.py).
LOAD_CHAT_LIMITS = {"CHAT_RATE_PER_CONVERSATION": "1000000", "CHAT_RATE_PER_IP": "1000000"}


def rss_kib(pid: int) -> Dict[str, int]:
    """Resident memory of ``pid`` and its children: now (VmRSS) and peak (VmHWM), KiB."""
    total = {"rss": 0, "peak": 0}
    for p in [pid] + _children(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total["rss"] += int(line.split()[1])
            elif line.startswith("VmHWM:"):
                total["peak"] += int(line.split()[1])
    return total


def _children(pid: int) -> List[int]:
    found: List[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                found += [child] + _children(child)
    except OSError:
        pass
    return found


class Bot:
    """A running bot: its processes (name -> Popen) and the REST address."""

    name = ""
    issued_ids = False  # True: POST /webhooks/rest/conversation gives the conversation id

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: Dict[str, subprocess.Popen] = {}
        self.rasa_port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, key: str, argv: List[str], env: Dict[str, str], cwd: Path) -> subprocess.Popen:
        log = self.workdir / f"{key}.log"
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        self.procs[key] = proc
        return proc

    def memory(self) -> Dict[str, Dict[str, int]]:
        return {key: rss_kib(p.pid) for key, p in self.procs.items() if p.poll() is None}

    def pid(self, key: str) -> int:
        return self.procs[key].pid

    def stop(self) -> None:
        for key in reversed(list(self.procs)):
            proc = self.procs[key]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        self.procs.clear()


class Zelfscan(Bot):
    """This assistant, its services started as `make run` starts them."""

    name = "zelfscan"
    issued_ids = True

    def __init__(self, workdir: Path, model: Path = MODEL, extra_env: Optional[Dict[str, str]] = None) -> None:
        super().__init__(workdir)
        if not model.exists():
            raise FileNotFoundError(f"{model} is missing: run `make train` first")
        self.model = model
        self.actions_port, self.handoff_port = free_port(), free_port()
        var = workdir / "var"
        env = {k: v for k, v in os.environ.items() if k != "ZELFSCAN_ENV"}  # development, as `make run`
        env.update(QUIET)
        env.update(LOAD_CHAT_LIMITS)
        env.update(ZELFSCAN_VAR_DIR=str(var), RASA_PORT=str(self.rasa_port),
                   ACTIONS_PORT=str(self.actions_port), HANDOFF_PORT=str(self.handoff_port),
                   HANDOFF_URL=f"http://127.0.0.1:{self.handoff_port}",
                   HANDOFF_PUBLIC_URL=f"http://localhost:{self.handoff_port}",
                   RASA_PUBLIC_URL=f"http://localhost:{self.rasa_port}",
                   HANDOFF_OUTBOX=str(var / "handoff_outbox.db"),
                   SPACY_MODEL=os.environ.get("SPACY_MODEL") or _spacy_model())
        env.update(extra_env or {})
        self.env = env

    def runtime(self, *args: str) -> List[str]:
        return [str(BIN / "python"), "-m", "zelfscan_runtime", *args]

    def start(self) -> "Zelfscan":
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(self.runtime("prepare"), cwd=ROOT, env=self.env, check=True, capture_output=True)
        handoff = self._spawn("handoff", self.runtime("handoff", "--port", str(self.handoff_port)), self.env, ROOT)
        actions = self._spawn("actions", self.runtime("actions", "--port", str(self.actions_port)), self.env, ROOT)
        rasa = self._spawn("rasa", self.runtime("rasa", "--model", str(self.model), "--port", str(self.rasa_port)),
                           self.env, ROOT)
        wait_for(f"http://127.0.0.1:{self.handoff_port}/health", 90, handoff, self.workdir / "handoff.log")
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 90, actions, self.workdir / "actions.log")
        wait_for(self.url + "/", 300, rasa, self.workdir / "rasa.log")
        return self


def _spacy_model() -> str:
    import importlib.util

    return "nl_core_news_sm" if importlib.util.find_spec("nl_core_news_sm") else "nl_zelfscan_sm"


class Starter(Bot):
    """The Rasa starter bot (`rasa init`), same Rasa, default configuration."""

    name = "starter"

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.actions_port = free_port()
        self.env = dict(os.environ, **QUIET)

    def start(self) -> "Starter":
        ensure_starter()
        self.workdir.mkdir(parents=True, exist_ok=True)
        rasa_bin = str(BIN / "rasa")
        actions = self._spawn("actions", [rasa_bin, "run", "actions", "--port", str(self.actions_port)],
                              self.env, STARTER)
        rasa = self._spawn("rasa", [rasa_bin, "run", "--model", str(STARTER_MODEL), "--port", str(self.rasa_port),
                                    "--interface", "127.0.0.1", "--credentials", "credentials.yml",
                                    "--endpoints", "endpoints.yml"], self.env, STARTER)
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 90, actions, self.workdir / "actions.log")
        wait_for(self.url + "/", 300, rasa, self.workdir / "rasa.log")
        return self


def ensure_starter(out=sys.stderr) -> Path:
    """build/starter (``rasa init --no-prompt``) and its model build/starter-model.tar.gz,
    made once with this Rasa."""
    if STARTER_MODEL.exists():
        return STARTER_MODEL
    env = dict(os.environ, **QUIET)
    rasa_bin = str(BIN / "rasa")
    if not (STARTER / "domain.yml").exists():
        print("Creating the Rasa starter bot in build/starter (rasa init --no-prompt, trains once)", file=out)
        if STARTER.exists():
            shutil.rmtree(STARTER)
        STARTER.mkdir(parents=True)
        subprocess.run([rasa_bin, "init", "--no-prompt", "--init-dir", str(STARTER)], cwd=STARTER, env=env,
                       check=True, stdout=subprocess.DEVNULL)
    trained = sorted((STARTER / "models").glob("*.tar.gz")) if (STARTER / "models").exists() else []
    if not trained:
        print("Training the Rasa starter bot", file=out)
        subprocess.run([rasa_bin, "train", "--out", "models", "--quiet"], cwd=STARTER, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        trained = sorted((STARTER / "models").glob("*.tar.gz"))
    shutil.copyfile(trained[-1], STARTER_MODEL)
    return STARTER_MODEL
