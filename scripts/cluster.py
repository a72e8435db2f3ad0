"""Start the multi-server set-up on this machine and keep it running until Ctrl-C.

    .venv/bin/python scripts/cluster.py [--rasa 2] [--actions 2]

Debian's PostgreSQL, Redis and nginx (private instances on free loopback ports), two Rasa
servers, two action servers and the handoff service, in production mode with fresh
secrets (printed nowhere; the staff login is printed). Everything lives in a temporary
folder that is removed at the end. See README, "More than one machine".
"""
from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cluster.topology import STAFF, Cluster, MissingTool  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", type=int, default=2, help="number of Rasa servers")
    parser.add_argument("--actions", type=int, default=2, help="number of action servers")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="zelfscan-cluster-"))
    try:
        cluster = Cluster(workdir, rasa_servers=args.rasa, action_servers=args.actions)
    except MissingTool as exc:
        print(exc, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        started = time.time()
        cluster.start()
        print(f"Started in {time.time() - started:.0f} s. Logs in {workdir}")
        print(f"  nginx (public)      {cluster.url}  (demo page /, inbox /inbox, REST /webhooks/rest/, socket.io)")
        print(f"  staff login         {STAFF[0]} / {STAFF[1]}")
        for i, port in enumerate(cluster.rasa_ports):
            print(f"  Rasa server {i + 1}       http://127.0.0.1:{port}")
        for i, port in enumerate(cluster.action_ports):
            print(f"  action server {i + 1}     http://127.0.0.1:{port}  (through nginx: "
                  f"http://127.0.0.1:{cluster.actions_lb_port})")
        print(f"  handoff service     {cluster.handoff_url}")
        print(f"  PostgreSQL          127.0.0.1:{cluster.postgres.port}  Redis 127.0.0.1:{cluster.redis_port}")
        print("Ctrl-C stops everything.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
