"""Fixtures for the ZGW tests: the stand-in case system as a real server process with
its own SQLite file, and a handoff database with tickets."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from handoff import tickets, zgw
from handoff.db import Database
from tests.e2e.servers import ROOT, free_port, wait_for
from tests.waiting import wait_until  # noqa: F401  (the ZGW tests import it from here)
from tests.zgw import standin

SECRET = "zgw-test-secret-" + "4b7e1c9a0f2d6e8b3a5c"  # the client secret Open Zaak would give
CLIENT_ID = "zelfscan-test"
RSIN = "002220647"  # passes the 11-proef


class StandInProcess:
    """The stand-in as `python -m tests.zgw.standin`: start, kill (SIGKILL), restart on the
    same port and database file."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = workdir / "zgw-standin.db"
        self.proc: Optional[subprocess.Popen] = None
        self.urls = standin.catalogue_urls(self.base)

    def start(self, hang_after: str = "", refuse: str = "") -> "StandInProcess":
        env = dict(os.environ, ZGW_STANDIN_SECRET=SECRET, ZGW_STANDIN_CLIENT_ID=CLIENT_ID,
                   ZGW_STANDIN_HANG_AFTER=hang_after, ZGW_STANDIN_REFUSE=refuse, PYTHONWARNINGS="ignore")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.zgw.standin", "--port", str(self.port),
                                      "--db", str(self.db_path)], cwd=ROOT, env=env,
                                     stdout=open(self.workdir / "standin.log", "ab"), stderr=subprocess.STDOUT)
        wait_for(self.base + "/_standin/health", 60, self.proc, self.workdir / "standin.log", interval=0.1)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever it was doing stops at once."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    # ---------------------------------------------------------- what it holds

    def _rows(self, sql: str, args: tuple = ()) -> List[tuple]:
        conn = sqlite3.connect(str(self.db_path), timeout=10)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def objects(self, kind: str) -> List[Dict[str, Any]]:
        return [json.loads(r[0]) for r in self._rows("SELECT data FROM objects WHERE kind = ? ORDER BY created",
                                                      (kind,))]

    def of_ticket(self, ref: str) -> Dict[str, List[Dict[str, Any]]]:
        """What the stand-in holds for one ticket: its zaak (identificatie = reference),
        the document, and the links, rollen and statussen of that zaak."""
        zaken = [z for z in self.objects("zaak") if z["identificatie"] == ref]
        urls = {z["url"] for z in zaken}
        documents = [d for d in self.objects("document") if d["identificatie"] == ref]
        contents = [c for c in self.objects("inhoud") if c["url"] in {d["url"] for d in documents}]
        return {"zaak": zaken, "document": documents, "inhoud": contents,
                "zio": [z for z in self.objects("zio") if z["zaak"] in urls],
                "rol": [r for r in self.objects("rol") if r["zaak"] in urls],
                "status": [x for x in self.objects("status") if x["zaak"] in urls]}

    def calls(self, since: int = 0) -> List[Dict[str, Any]]:
        rows = self._rows("SELECT id, method, path, query, status, request_valid, response_valid, error FROM calls "
                          "WHERE id > ? ORDER BY id", (since,))
        return [{"id": r[0], "method": r[1], "path": r[2], "query": json.loads(r[3]), "status": r[4],
                 "request_valid": bool(r[5]), "response_valid": bool(r[6]), "error": r[7]} for r in rows]

    def last_call_id(self) -> int:
        rows = self._rows("SELECT COALESCE(MAX(id), 0) FROM calls")
        return int(rows[0][0])

    def config(self, **overrides: Any) -> zgw.ZgwConfig:
        raw = {"enabled": True, "zaken_api": f"{self.base}/zaken/api/v1",
               "documenten_api": f"{self.base}/documenten/api/v1", "catalogi_api": f"{self.base}/catalogi/api/v1",
               "client_id": CLIENT_ID, "rsin": RSIN, "zaaktype": self.urls["zaaktype"],
               "informatieobjecttype": self.urls["informatieobjecttype"], "auteur": "Ondernemersloket Voorbeeldstad",
               "status_types": {"in_behandeling": 2, "afgesloten": self.urls["statustypen"][3]},
               "timeout_seconds": 10}
        raw.update(overrides)
        config = zgw.parse_config(raw, {"ZGW_CLIENT_SECRET": SECRET})
        assert config is not None
        return config


def service_with_zgw(workdir: Path, server: StandInProcess):
    """The real handoff service (not started) with a copy of the example gemeente
    configuration in which ZGW is on and points at ``server``."""
    import yaml

    from tests.handoff_service.service import HandoffService

    config = yaml.safe_load((ROOT / "gemeente" / "config.yml").read_text(encoding="utf-8"))
    base = server.base
    config["zgw"] = {
        "enabled": True, "zaken_api": f"{base}/zaken/api/v1", "documenten_api": f"{base}/documenten/api/v1",
        "catalogi_api": f"{base}/catalogi/api/v1", "client_id": CLIENT_ID, "rsin": RSIN,
        "zaaktype": server.urls["zaaktype"], "informatieobjecttype": server.urls["informatieobjecttype"],
        "status_types": {"in_behandeling": 2, "afgesloten": 3}, "timeout_seconds": 5,
    }
    path = workdir / "gemeente.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return HandoffService(workdir, extra_env={"GEMEENTE_CONFIG": str(path), "ZGW_CLIENT_SECRET": SECRET,
                                              "ZGW_RETRY_SECONDS": "1"})


@pytest.fixture(scope="module")
def zgw_server(tmp_path_factory):
    """One stand-in for a test module; tests look only at their own ticket's objects and
    at the calls made after they began."""
    server = StandInProcess(tmp_path_factory.mktemp("zgw")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zgw_service(tmp_path_factory, zgw_server):
    """The real handoff service with ZGW on, registering in the module's stand-in."""
    svc = service_with_zgw(tmp_path_factory.mktemp("handoff-zgw"), zgw_server).start()
    yield svc
    svc.stop()


@pytest.fixture()
def handoff_db(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'handoff.db'}", "erasure-key-" + "0" * 32)
    db.create()
    yield db
    db.engine.dispose()


def make_ticket(db: Database, **contact: Any) -> Dict[str, Any]:
    ref = "ZS-" + uuid.uuid4().hex[:6].upper()
    body = {
        "id": ref, "conversation_id": uuid.uuid4().hex, "channel": "socketio", "risk_score": 52,
        "risk_level": "hoog", "urgent": False, "indications": ["bbz_beeindiger"],
        "indication_details": [{"id": "bbz_beeindiger", "rule": "R5", "met": ["urencriterium"], "missing": ["inkomen"]}],
        "summary": "Situatie: beëindiging van één eenmanszaak (café).\nSchuld ongeveer € 12.500.",
        "answers_readable": [{"id": "age", "question": "Hoe oud bent u?", "answer": "61"}],
        "contact": contact or {"name": "Jan Jänssen-de Vries", "phone": "+31612345678", "email": "jan@example.nl"},
    }
    ticket, created = tickets.create_ticket(db, body, ref)
    assert created
    return ticket
