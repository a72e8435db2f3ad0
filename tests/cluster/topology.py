"""The multi-server topology on one machine, with real parts (README, "More than one machine").

Debian's PostgreSQL (tracker store and tickets), Redis (lock store) and nginx (in front,
deploy/nginx/zelfscan-site.conf), each a private instance on free loopback ports in a
temporary folder; two Rasa servers, two action servers and the handoff service, each
started as `make run` starts them (``python -m zelfscan_runtime rasa|actions|handoff``)
in production mode with fresh secrets, each with its own var/ folder.

Used by ``make cluster-test`` (tests/cluster/test_cluster.py) and by hand:
``.venv/bin/python scripts/cluster.py``.
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets as _random
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from tests.e2e.servers import BIN, MODEL, ROOT, free_port, fresh_secrets, wait_for

SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "zelfscan-site.conf"
STAFF = ("beheerder", "Cluster-wachtwoord-voor-tests-2026")
# A crashed Rasa server leaves its conversation's ticket in the Redis lock until it
# expires; the next message of that conversation waits that long (Rasa's default: 60 s).
LOCK_LIFETIME_SECONDS = 15


class MissingTool(RuntimeError):
    """A Debian package the topology needs is not installed."""


def _postgres_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def tools() -> Dict[str, str]:
    """The programs of Debian's postgresql, redis-server and nginx, or MissingTool naming what is missing."""
    pg = _postgres_bin()
    found = {
        "postgres": str(pg / "postgres") if pg else None,
        "initdb": str(pg / "initdb") if pg else None,
        "redis-server": shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists(
            "/usr/bin/redis-server") else None),
        "nginx": shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None),
    }
    missing = [name for name, path in found.items() if not path]
    if missing:
        raise MissingTool(
            "The cluster test runs real PostgreSQL, Redis and nginx and cannot run without "
            f"{', '.join(sorted(set(m.replace('initdb', 'postgres') for m in missing)))}. Install Debian's packages: "
            "sudo apt-get install postgresql redis-server nginx (CI's .ci/run installs them).")
    return found  # type: ignore[return-value]


def _stop(proc: Optional[subprocess.Popen], sig: int = signal.SIGTERM, seconds: float = 30) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class Postgres:
    """A private PostgreSQL cluster (initdb) on a free port, password login over TCP."""

    def __init__(self, binaries: Dict[str, str]):
        self.binaries = binaries
        self.port = free_port()
        self.user, self.password = "zelfscan", _random.token_hex(16)
        self.proc: Optional[subprocess.Popen] = None
        # PostgreSQL refuses to run as root: then it runs as Debian's `postgres` user, in a
        # folder of its own (a pytest folder of root's cannot be entered by that user)
        self.dir = Path(tempfile.mkdtemp(prefix="zelfscan-pg-"))
        self.as_user: List[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self.as_user = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups"]
            self._owner = (account.pw_uid, account.pw_gid)
        else:
            self._owner = None

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self, databases: List[str]) -> "Postgres":
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        os.chmod(pwfile, 0o600)
        if self._owner:
            os.chown(pwfile, *self._owner)
        done = subprocess.run(self.as_user + [self.binaries["initdb"], "-D", str(self.dir / "data"), "-U", self.user,
                                              f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8",
                                              "--locale=C.UTF-8"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError("initdb failed: " + done.stderr[-2000:])
        log = open(self.dir / "postgres.log", "ab")
        self.proc = subprocess.Popen(
            self.as_user + [self.binaries["postgres"], "-D", str(self.dir / "data"), "-p", str(self.port),
                            "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
            stdout=log, stderr=subprocess.STDOUT)
        import psycopg2

        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("PostgreSQL exited: " + (self.dir / "postgres.log").read_text()[-2000:])
            try:
                conn = psycopg2.connect(self.url("postgres"), connect_timeout=2)
                break
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in databases:
                cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self

    def query(self, database: str, sql: str, *args: object) -> list:
        import psycopg2

        conn = psycopg2.connect(self.url(database))
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    def stop(self) -> None:
        _stop(self.proc, signal.SIGINT)  # fast shutdown
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    """nginx -> 2 Rasa servers -> nginx -> 2 action servers -> handoff service, with
    PostgreSQL and Redis; everything on 127.0.0.1, free ports, under ``workdir``."""

    def __init__(self, workdir: Path, rasa_servers: int = 2, action_servers: int = 2,
                 extra_env: Optional[Dict[str, str]] = None):
        if not MODEL.exists():
            raise FileNotFoundError(f"{MODEL} is missing: run `make train` first")
        self.binaries = tools()
        self.workdir = workdir
        self.secrets = fresh_secrets()
        self.redis_password = _random.token_hex(16)
        self.public_port, self.actions_lb_port, self.redis_port = free_port(), free_port(), free_port()
        self.handoff_port = free_port()
        self.rasa_ports = [free_port() for _ in range(rasa_servers)]
        self.action_ports = [free_port() for _ in range(action_servers)]
        self.url = f"http://127.0.0.1:{self.public_port}"
        self.handoff_url = f"http://127.0.0.1:{self.handoff_port}"
        self.postgres = Postgres(self.binaries)
        self.extra_env = extra_env or {}
        self.redis: Optional[subprocess.Popen] = None
        self.nginx: Optional[subprocess.Popen] = None
        self.handoff: Optional[subprocess.Popen] = None
        self.actions: List[Optional[subprocess.Popen]] = [None] * action_servers
        self.rasa: List[Optional[subprocess.Popen]] = [None] * rasa_servers
        self.started_at: Dict[str, float] = {}

    # --------------------------------------------------------------- settings
    def base_env(self, var: Path) -> Dict[str, str]:
        var.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", ZELFSCAN_ENV="production", ZELFSCAN_VAR_DIR=str(var),
                   **self.secrets)
        env.update({
            # the conversations and the tickets in PostgreSQL, the locks in Redis
            "TRACKER_STORE_URL": self.postgres.url("zelfscan_tracker"),
            "TRACKER_DB_URL": self.postgres.url("zelfscan_tracker"),
            "HANDOFF_DATABASE_URL": self.postgres.url("zelfscan_handoff"),
            "LOCK_STORE_URL": f"redis://127.0.0.1:{self.redis_port}/1", "LOCK_STORE_PASSWORD": self.redis_password,
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_SECONDS),
            # the Rasa servers reach the action servers through nginx (as a Kubernetes Service would)
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_lb_port}/webhook",
            "HANDOFF_URL": self.handoff_url, "HANDOFF_PUBLIC_URL": self.url, "RASA_PUBLIC_URL": self.url,
            "HANDOFF_OUTBOX": str(var / "handoff_outbox.db"),
            "INBOX_ADMIN_USER": STAFF[0], "INBOX_ADMIN_PASSWORD": STAFF[1],
            "HANDOFF_BACKGROUND_INTERVAL": "2",
            # behind nginx: the client's address from X-Forwarded-For (chat and login limits)
            "SANIC_PROXIES_COUNT": "1",
            # a load test from one address: the public chat limits raised for it
            "CHAT_RATE_PER_CONVERSATION": "1000", "CHAT_RATE_PER_IP": "100000",
            # the HTTP API (JWT) for the test's look at the trackers; nginx never routes it
            "RASA_ENABLE_API": "1",
        })
        env.update(self.extra_env)
        return env

    def _runtime(self, name: str, *args: str) -> subprocess.Popen:
        var = self.workdir / name
        env = self.base_env(var)
        self.started_at[name] = time.time()
        return subprocess.Popen([str(BIN / "python"), "-m", "zelfscan_runtime", *args], cwd=ROOT, env=env,
                                stdout=open(self.workdir / f"{name}.log", "ab"), stderr=subprocess.STDOUT)

    def site_conf(self) -> str:
        """deploy/nginx/zelfscan-site.conf with this run's addresses."""
        def servers(ports: List[int], extra: str = "") -> str:
            return "\n    ".join(f"server 127.0.0.1:{p}{extra};" for p in ports)

        text = SITE_TEMPLATE.read_text(encoding="utf-8")
        values = {
            "LISTEN": f"127.0.0.1:{self.public_port}", "ACTIONS_LISTEN": f"127.0.0.1:{self.actions_lb_port}",
            "RASA_SERVERS": servers(self.rasa_ports, " max_fails=1 fail_timeout=5s"),
            "ACTION_SERVERS": servers(self.action_ports, " max_fails=1 fail_timeout=5s"),
            "HANDOFF_SERVERS": servers([self.handoff_port]),
            "ACCESS_LOG": str(self.workdir / "nginx" / "access.log"),
        }
        for name, value in values.items():
            text = text.replace("{{%s}}" % name, value)
        assert "{{" not in text, "a placeholder of the nginx site file was not filled in"
        return text

    # ---------------------------------------------------------------- start
    def start(self) -> "Cluster":
        self.postgres.start(["zelfscan_tracker", "zelfscan_handoff"])
        self.redis = subprocess.Popen(
            [self.binaries["redis-server"], "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--requirepass", self.redis_password],
            stdout=open(self.workdir / "redis.log", "ab"), stderr=subprocess.STDOUT)
        self.start_nginx()
        self.handoff = self._runtime("handoff", "handoff", "--port", str(self.handoff_port))
        for i, port in enumerate(self.action_ports):
            self.actions[i] = self._runtime(f"actions-{i + 1}", "actions", "--port", str(port))
        wait_for(self.handoff_url + "/health", 90, self.handoff)
        for i, port in enumerate(self.action_ports):
            wait_for(f"http://127.0.0.1:{port}/health", 90, self.actions[i])
        for i in range(len(self.rasa_ports)):
            self.start_rasa(i, wait=False)
        for i in range(len(self.rasa_ports)):
            self.wait_rasa(i)
        return self

    def start_nginx(self) -> None:
        folder = self.workdir / "nginx"
        folder.mkdir(exist_ok=True)
        (folder / "zelfscan-site.conf").write_text(self.site_conf())
        temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                           "uwsgi", "scgi"))
        # as root the workers keep root's rights, so they can use the private temp folders
        user = "user root;\n" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n  {temp}\n  include {folder / 'zelfscan-site.conf'};\n}}\n")
        check = subprocess.run([self.binaries["nginx"], "-t", "-q", "-p", str(folder), "-c",
                                str(folder / "nginx.conf")], capture_output=True, text=True, timeout=30)
        if check.returncode:
            raise RuntimeError("nginx refused the configuration: " + check.stderr)
        self.nginx = subprocess.Popen([self.binaries["nginx"], "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                       "-g", "daemon off;"],
                                      stdout=open(folder / "nginx.out", "ab"), stderr=subprocess.STDOUT)

    def start_rasa(self, i: int, wait: bool = True) -> None:
        self.rasa[i] = self._runtime(f"rasa-{i + 1}", "rasa", "--model", str(MODEL), "--port", str(self.rasa_ports[i]))
        if wait:
            self.wait_rasa(i)

    def wait_rasa(self, i: int) -> float:
        proc = self.rasa[i]
        assert proc is not None
        wait_for(f"http://127.0.0.1:{self.rasa_ports[i]}/", 420, proc)
        return time.time() - self.started_at[f"rasa-{i + 1}"]

    def kill_rasa(self, i: int) -> None:
        """SIGKILL: no shutdown, no chance to finish or save anything."""
        proc = self.rasa[i]
        assert proc is not None and proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)

    def rasa_alive(self, i: int) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.rasa_ports[i]}/", timeout=2)
            return True
        except OSError:
            return False

    # ----------------------------------------------------------------- stop
    def stop(self) -> None:
        for proc in self.rasa + self.actions + [self.handoff]:
            _stop(proc)
        _stop(self.nginx, signal.SIGQUIT)
        _stop(self.redis)
        self.postgres.stop()

    def access_log(self) -> List[str]:
        path = self.workdir / "nginx" / "access.log"
        return path.read_text().splitlines() if path.exists() else []
