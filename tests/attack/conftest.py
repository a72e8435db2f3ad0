"""The attack suite: the real services, started as `make run` starts them
(python -m zelfscan_runtime ..., production mode, fresh test secrets), attacked from
outside. Every case asserts the refusal and that nothing changed; the summary line
reports how many cases were tried and refused."""
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from tests.botframework import signing_key
from tests.channels.standin import StandIn
from tests.e2e.servers import MODEL, ROOT, Stack, free_port, wait_for

ADMIN = ("beheerder", "Een-lang-wachtwoord-voor-tests-2026")
COLLEAGUE = ("collega", "Nog-een-lang-wachtwoord-voor-tests")
APP_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TWILIO_SID = "AC" + "7" * 32
PUBLIC = "https://zelfscan.voorbeeldstad.example"

_results = {"tried": 0, "refused": 0, "failed": []}


def pytest_runtest_logreport(report):
    if report.when == "call" and "tests/attack/" in report.nodeid.replace("\\", "/"):
        _results["tried"] += 1
        if report.passed:
            _results["refused"] += 1
        else:
            _results["failed"].append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _results["tried"]:
        terminalreporter.write_line(
            f"Attack cases: {_results['tried']} tried, {_results['refused']} refused"
            + (f"; NOT refused: {', '.join(_results['failed'])}" if _results["failed"] else ""))


class Browser(requests.Session):
    """A client as behind the HTTPS proxy: production cookies are Secure, and the proxy
    speaks plain HTTP to the service on loopback, so the client lets them through."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        assert all(c.secure for c in response.cookies), "production cookies must be Secure"
        for cookie in self.cookies:
            cookie.secure = False
        return response


def browser() -> requests.Session:
    return Browser()


def random_secret() -> str:
    return secrets.token_urlsafe(36)


@pytest.fixture(scope="session")
def rsa_key():
    key, jwk = signing_key("attack-key")
    return key, {"keys": [jwk]}


class Target:
    """All three services in one var/ folder, production mode, every channel on."""

    def __init__(self, workdir: Path, standin: StandIn):
        self.workdir, self.standin = workdir, standin
        self.handoff_port = free_port()
        self.handoff_url = f"http://127.0.0.1:{self.handoff_port}"
        channel_env = {
            "TELEGRAM_TOKEN": "123456:ATTACK", "TELEGRAM_BOT_NAME": "zelfscan_bot",
            "TELEGRAM_WEBHOOK_URL": f"{PUBLIC}/webhooks/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET": random_secret(),
            "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "TWILIO_NUMBER": "whatsapp:+14155238886", "TWILIO_WEBHOOK_URL": f"{PUBLIC}/webhooks/twilio/webhook",
            "SLACK_TOKEN": "xoxb-attack", "SLACK_SIGNING_SECRET": secrets.token_hex(16),
            "BOTFRAMEWORK_APP_ID": APP_ID, "BOTFRAMEWORK_APP_PASSWORD": random_secret(),
        }
        self.stack = Stack(workdir, extra_env={
            **channel_env, "HANDOFF_URL": self.handoff_url, "HANDOFF_PUBLIC_URL": self.handoff_url,
            "HANDOFF_DATABASE_URL": f"sqlite:///{workdir / 'handoff.db'}",
            "TRACKER_DB_URL": f"sqlite:///{workdir / 'rasa_tracker.db'}", "ERASURE_DELAY_SECONDS": "0",
            "HANDOFF_BACKGROUND_INTERVAL": "1", "CHANNEL_OPTIONS_DB": str(workdir / "channel_options.db"),
            "INBOX_ADMIN_USER": ADMIN[0], "INBOX_ADMIN_PASSWORD": ADMIN[1],
            "CHAT_RATE_PER_CONVERSATION": "20",  # the default; the per-IP limit stays off (every case comes from 127.0.0.1)
        })
        self.env = self.stack.env
        self.secrets = self.stack.secrets
        self.handoff = None

    def start(self) -> "Target":
        prepare = subprocess.run([sys.executable, "-m", "zelfscan_runtime", "prepare"], cwd=ROOT, env=self.env,
                                 capture_output=True, text=True, timeout=120)
        assert prepare.returncode == 0, prepare.stderr
        # the platforms' API addresses: a local stand-in (the network edge), nothing else changes
        creds_path = self.workdir / "credentials.yml"
        creds = yaml.safe_load(creds_path.read_text())
        for name, settings in creds.items():
            if any(k in name for k in ("telegram", "Twilio", "slack")):
                settings["api_base"] = self.standin.url
            if "teams" in name:
                settings.update(openid_url=self.standin.url + "/openid", token_url=self.standin.url + "/token")
        creds_path.write_text(yaml.safe_dump(creds, sort_keys=False))
        self.handoff = self.stack.runtime("handoff", "--port", str(self.handoff_port), log="handoff.log")
        wait_for(self.handoff_url + "/health", 60, self.handoff)
        self.stack.start_actions()
        self.stack.start_rasa()
        return self

    def stop(self) -> None:
        self.stack.stop()
        if self.handoff and self.handoff.poll() is None:
            self.handoff.terminate()
            self.handoff.wait(20)

    # ---------------------------------------------------------------- helpers
    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.stack.rasa_port}"

    @property
    def actions(self) -> str:
        return f"http://127.0.0.1:{self.stack.actions_port}"

    def new_conversation(self) -> str:
        r = requests.post(self.rasa + "/webhooks/rest/conversation", timeout=30)
        assert r.status_code == 201, r.text
        return r.json()["conversation_id"]

    def say(self, sender: str, text: str) -> requests.Response:
        return requests.post(self.rasa + "/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=60)

    def events(self, sender: str) -> list:
        r = requests.get(f"{self.rasa}/conversations/{sender}/tracker", headers=self.stack.api_headers(), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["events"]

    def user_texts(self, sender: str) -> list:
        return [e.get("text") for e in self.events(sender) if e["event"] == "user"]

    def staff(self, user=ADMIN) -> requests.Session:
        s = browser()
        page = s.get(self.handoff_url + "/inbox/login", timeout=10)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = s.post(self.handoff_url + "/inbox/login", timeout=10, allow_redirects=False,
                   data={"username": user[0], "password": user[1], "csrf_token": csrf, "next": "/inbox"})
        assert r.status_code in (302, 303), r.status_code
        return s

    def tickets(self) -> list:
        return self.staff().get(self.handoff_url + "/api/tickets", timeout=10).json()["tickets"]

    def machine(self, method: str, path: str, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.secrets['HANDOFF_API_TOKEN']}", **kw.pop("headers", {})}
        return requests.request(method, self.handoff_url + path, headers=headers, timeout=10, **kw)


@pytest.fixture(scope="session")
def target(tmp_path_factory, rsa_key):
    if not MODEL.exists():
        pytest.skip("no trained model")
    standin = StandIn(rsa_key[1]).start()
    t = Target(tmp_path_factory.mktemp("attack"), standin)
    try:
        yield t.start()
    finally:
        t.stop()
        standin.stop()
