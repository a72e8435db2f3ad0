"""Command line of the handoff service.

    python -m handoff serve [--port 8000]     start the service
    python -m handoff add-user NAME           add a staff account (password from
                                              INBOX_NEW_PASSWORD or asked on the terminal)
    python -m handoff purge                   erase personal data older than RETENTION_DAYS
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from handoff import auth, tickets
from handoff.db import Database
from handoff.settings import Settings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the service")
    serve.add_argument("--host", default=os.environ.get("HANDOFF_HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("HANDOFF_PORT", 8000)))
    add = sub.add_parser("add-user", help="add a staff account or set a new password")
    add.add_argument("username")
    sub.add_parser("purge", help="erase personal data older than the retention period")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()

    if args.command == "serve":
        from handoff.app import create_app

        app = create_app(settings)
        app.run(host=args.host, port=args.port, access_log=False, workers=1)
        return 0

    db = Database(settings.database_url)
    db.create()
    if args.command == "add-user":
        password = os.environ.get("INBOX_NEW_PASSWORD") or getpass.getpass("Wachtwoord (minstens 12 tekens): ")
        try:
            auth.upsert_user(db, args.username, password)
        except auth.AuthError as exc:
            print(f"Niet gelukt: {exc}", file=sys.stderr)
            return 1
        print(f"Account '{args.username}' is klaar.")
        return 0
    if args.command == "purge":
        result = tickets.purge(db, settings.retention_days, settings.tracker_db_url)
        print(f"Bewaartermijn {settings.retention_days} dagen: {result}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
