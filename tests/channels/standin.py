"""A local stand-in for the platforms' APIs (Telegram, Twilio, Slack, Microsoft login and
Bot Framework). It records every request the channels' own client code makes."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import parse_qs

from tests.e2e.servers import free_port


class StandIn:
    def __init__(self, jwks: Dict[str, Any]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: List[Dict[str, Any]] = []
        self.jwks = jwks
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, body: Dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, method: str) -> Dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                entry = {"method": method, "path": self.path, "headers": dict(self.headers), "raw": raw,
                         "at": time.time()}
                outer.requests.append(entry)
                return entry

            def do_GET(self):
                self._record("GET")
                if self.path == "/openid":
                    return self._reply(200, {"jwks_uri": outer.url + "/jwks"})
                if self.path == "/jwks":
                    return self._reply(200, outer.jwks)
                return self._route()

            def do_POST(self):
                self._record("POST")
                return self._route()

            def _route(self):
                p = self.path
                if "/getMe" in p:
                    return self._reply(200, {"ok": True, "result": {"id": 42, "is_bot": True, "first_name": "Zelfscan",
                                                                      "username": "zelfscan_bot"}})
                if "/setWebhook" in p:
                    return self._reply(200, {"ok": True, "result": True, "description": "Webhook was set"})
                if "/sendMessage" in p:
                    return self._reply(200, {"ok": True, "result": {"message_id": 7, "date": int(time.time()),
                                                                      "chat": {"id": 123, "type": "private"},
                                                                      "text": "ok"}})
                if p.endswith("/Messages.json"):
                    return self._reply(201, {"sid": "SM" + "0" * 32, "status": "queued", "body": "",
                                             "account_sid": "AC" + "0" * 32, "date_created": None})
                if p.startswith("/chat.postMessage"):
                    return self._reply(200, {"ok": True, "channel": "D1", "ts": "1.1", "message": {}})
                if p == "/token":
                    return self._reply(200, {"access_token": "bf-token", "expires_in": 3600, "token_type": "Bearer"})
                if p.startswith("/hooks/"):
                    return self._reply(200, {"ok": True})
                if "/v3/conversations/" in p:
                    return self._reply(200, {"id": "reply-1"})
                return self._reply(404, {"error": "unknown path " + p})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "StandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def sent(self, fragment: str, since: float = 0) -> List[Dict[str, Any]]:
        return [r for r in self.requests if fragment in r["path"] and r["at"] >= since and r["method"] == "POST"]

    @staticmethod
    def form(entry: Dict[str, Any]) -> Dict[str, str]:
        return {k: v[0] for k, v in parse_qs(entry["raw"].decode()).items()}
