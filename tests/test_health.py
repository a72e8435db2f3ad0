"""The one wait for a started process (zelfscan_runtime/health.py): it returns once the
address answers, stops at once with the log's end when the process dies, and gives up
after its time."""
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zelfscan_runtime.health import free_port, wait_for


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_returns_once_the_address_answers():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proc = sleeper()
    try:
        wait_for(f"http://127.0.0.1:{server.server_port}/health", 10, proc)
        with pytest.raises(TimeoutError, match="did not answer within 1 s"):  # 404 is not an answer
            wait_for(f"http://127.0.0.1:{server.server_port}/other", 1, proc)
    finally:
        proc.kill()
        proc.wait()
        server.shutdown()


def test_a_process_that_dies_stops_the_wait_with_the_end_of_its_log(tmp_path):
    log = tmp_path / "service.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-c", "print('RETENTION_DAYS is wrong'); raise SystemExit(2)"],
                                stdout=out)
        with pytest.raises(RuntimeError) as stopped:
            wait_for(f"http://127.0.0.1:{free_port()}/health", 60, proc, log)
    assert "exited with 2" in str(stopped.value) and "RETENTION_DAYS is wrong" in str(stopped.value)


def test_nobody_listening_is_a_timeout():
    proc = sleeper()
    try:
        with pytest.raises(TimeoutError):
            wait_for(f"http://127.0.0.1:{free_port()}/health", 0.5, proc)
    finally:
        proc.kill()
        proc.wait()
