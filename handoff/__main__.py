"""Command line of the handoff service.

    python -m handoff serve [--host 127.0.0.1] [--port 8000]   start the service
    python -m handoff add-user NAME           add a staff account or set a new password
                                              (from INBOX_NEW_PASSWORD or asked on the
                                              terminal; a new password ends its sessions)
    python -m handoff add-user NAME --team T  ... and put the user in team T (repeat for more)
    python -m handoff set-teams NAME [T ...]  replace the user's teams (none: no team)
    python -m handoff set-gemeenten NAME [G ...]
                                              a regional service: the gemeenten whose tickets
                                              and figures the user sees (ids of the region file)
    python -m handoff add-user NAME --role R  ... and give the user role R (leren, beheer; repeat for more)
    python -m handoff set-roles NAME [R ...]  replace the user's roles (none: no role)
    python -m handoff disable-user NAME       disable an account and end its sessions
    python -m handoff enable-user NAME        enable it again
    python -m handoff purge                   erase personal data older than RETENTION_DAYS
    python -m handoff partner-token create "Woningcorporatie X"
                                              a token for a partner system that may only send
                                              signals (POST /api/signals); printed once
    python -m handoff partner-token list      the partner tokens (never the tokens themselves)
    python -m handoff partner-token revoke ID the token stops working at once
    python -m handoff report --from YYYY-MM-DD --to YYYY-MM-DD
                                              print the anonymous figures of the dashboard
                                              (--csv DIR: also one CSV file per table)
"""
from __future__ import annotations

import argparse
import functools
import getpass
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from handoff import auth, gemeenten, learning, roles, signals, stats, tickets
from handoff.db import Database
from handoff.settings import Settings
from handoff.zgw import ZgwConfigError
from zelfscan_runtime import secrets as runtime_secrets


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the service")
    # local only by default: opening it to the network is an explicit choice
    serve.add_argument("--host", default=os.environ.get("HANDOFF_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("HANDOFF_PORT", 8000)))
    add = sub.add_parser("add-user", help="add a staff account or set a new password")
    add.add_argument("username")
    add.add_argument("--team", action="append", default=None,
                     help="a team id from the gemeente configuration (teams); repeat for more teams")
    add.add_argument("--role", action="append", default=None,
                     help="a role: leren (review messages not understood) or beheer; repeat for more")
    set_roles = sub.add_parser("set-roles", help="replace the roles of a staff user")
    set_roles.add_argument("username")
    set_roles.add_argument("roles", nargs="*")
    set_gemeenten = sub.add_parser("set-gemeenten", help="a regional service: the gemeenten a staff user sees")
    set_gemeenten.add_argument("username")
    set_gemeenten.add_argument("gemeenten", nargs="*")
    set_teams = sub.add_parser("set-teams", help="replace the teams of a staff user")
    set_teams.add_argument("username")
    set_teams.add_argument("teams", nargs="*")
    disable = sub.add_parser("disable-user", help="disable a staff account and end its sessions")
    disable.add_argument("username")
    enable = sub.add_parser("enable-user", help="enable a disabled staff account")
    enable.add_argument("username")
    sub.add_parser("purge", help="erase personal data older than the retention period")
    partner = sub.add_parser("partner-token", help="tokens of partner systems that send signals")
    partner_sub = partner.add_subparsers(dest="partner_command", required=True)
    partner_create = partner_sub.add_parser("create", help="make a token for an organisation (printed once)")
    partner_create.add_argument("organisation")
    partner_sub.add_parser("list", help="list the partner tokens")
    partner_revoke = partner_sub.add_parser("revoke", help="revoke a partner token")
    partner_revoke.add_argument("token_id", type=int)
    report = sub.add_parser("report", help="print the anonymous figures for a period (as the dashboard)")
    report.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD")
    report.add_argument("--csv", dest="csv_dir", default=None, help="also write one CSV file per table here")
    report.add_argument("--gemeente", action="append", default=None,
                        help="a regional service: only this gemeente (repeat for more; default all together)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in ("sanic.root", "sanic.error"):  # Sanic prints these itself; no second copy via the root logger
        logging.getLogger(name).propagate = False
    try:
        return _run(args)
    except runtime_secrets.SecretError as exc:
        print(exc.line, file=sys.stderr)
        return 2
    except ZgwConfigError as exc:  # the 'zgw' section of the gemeente configuration: one line naming the field
        print(exc, file=sys.stderr)
        return 2


def _replace_labels(db: Database, settings: Settings, args: argparse.Namespace) -> int:
    """set-roles, set-teams and set-gemeenten: replace one kind of label of a staff user,
    then show what the user has now."""
    name = args.username
    refused: type[Exception]
    change: Callable[[], bool]
    if args.command == "set-roles":
        change, refused = (lambda: roles.set_user_roles(db, name, args.roles)), roles.RoleError
        show = functools.partial(_print_roles, db, name)
    elif args.command == "set-teams":
        change, refused = (lambda: tickets.set_user_teams(db, name, args.teams)), tickets.TicketError
        show = functools.partial(_print_teams, db, settings, name)
    else:
        known = tuple(settings.gemeenten)
        change, refused = (lambda: gemeenten.set_for_user(db, name, args.gemeenten, known)), ValueError
        show = functools.partial(_print_gemeenten, db, settings, name)
    try:
        found = change()
    except refused as exc:
        print(f"Niet gelukt: {exc}", file=sys.stderr)
        return 1
    if not found:
        print(f"Niet gelukt: er is geen account '{name}'.", file=sys.stderr)
        return 1
    show()
    return 0


def _print_gemeenten(db: Database, settings: Settings, username: str) -> None:
    known = tuple(settings.gemeenten)
    names = ", ".join(settings.gemeenten[g] for g in gemeenten.for_user(db, username, known)) or "geen"
    print(f"Gemeenten van '{username}': {names}.")
    if len(known) <= 1:
        print("Deze installatie heeft één gemeente: iedereen ziet die.")


def _run(args) -> int:
    settings = Settings()
    if args.command == "serve":
        from handoff.app import create_app

        app = create_app(settings)
        app.run(host=args.host, port=args.port, access_log=False, workers=1)
        return 0

    db = Database(settings.database_url, runtime_secrets.get("HANDOFF_ERASURE_KEY"))
    db.create()
    if args.command in ("set-roles", "set-teams", "set-gemeenten"):
        return _replace_labels(db, settings, args)
    if args.command == "add-user":
        password = os.environ.get("INBOX_NEW_PASSWORD") or getpass.getpass("Wachtwoord (minstens 12 tekens): ")
        try:
            auth.upsert_user(db, args.username, password)
            if args.team is not None:
                tickets.set_user_teams(db, args.username, args.team)
            if args.role is not None:
                roles.set_user_roles(db, args.username, args.role)
        except (auth.AuthError, tickets.TicketError, roles.RoleError) as exc:
            print(f"Niet gelukt: {exc}", file=sys.stderr)
            return 1
        print(f"Account '{args.username}' is klaar.")
        _print_teams(db, settings, args.username)
        _print_roles(db, args.username)
        if auth.is_active(db, args.username) is False:
            print(f"Let op: dit account is uitgeschakeld. Zet het aan met: python -m handoff enable-user {args.username}")
        return 0
    if args.command in ("disable-user", "enable-user"):
        active = args.command == "enable-user"
        if not auth.set_active(db, args.username, active):
            print(f"Niet gelukt: er is geen account '{args.username}'.", file=sys.stderr)
            return 1
        print(f"Account '{args.username}' is {'aangezet' if active else 'uitgeschakeld; de sessies zijn beëindigd'}.")
        return 0
    if args.command == "report":
        if args.end < args.start:
            print("Niet gelukt: --to ligt voor --from.", file=sys.stderr)
            return 1
        labels = {key: o.label for key, o in settings.outcomes.items()}
        unknown = [g for g in args.gemeente or () if g not in settings.gemeenten]
        if unknown:
            print(f"Niet gelukt: onbekende gemeente {', '.join(unknown)} (bekend: {', '.join(settings.gemeenten)}).",
                  file=sys.stderr)
            return 1
        tables = stats.figures(db, args.start, args.end, settings.stats_min_count, stats.catalogue_questions(),
                               labels, settings.partner_names, args.gemeente, tuple(settings.gemeenten))
        print(stats.to_text(tables, args.start, args.end, settings.stats_min_count))
        if args.csv_dir:
            folder = Path(args.csv_dir)
            folder.mkdir(parents=True, exist_ok=True)
            for table in tables:
                (folder / f"zelfscan-{table.id}-{args.start}-{args.end}.csv").write_text(
                    "\ufeff" + stats.to_csv(table), encoding="utf-8", newline="")
        tickets.audit(db, "cli", "report", f"{args.start} - {args.end}")
        return 0
    if args.command == "partner-token":
        return _partner_token(db, settings, args)
    if args.command == "purge":
        result = tickets.purge(db, settings.retention_days, settings.tracker_db_url)
        auth.forget_old_throttles(db)
        removed = learning.purge(db, settings.unrecognised_days)
        print(f"Niet begrepen berichten ouder dan {settings.unrecognised_days} dagen verwijderd: {removed}")
        print(f"Bewaartermijn {settings.retention_days} dagen: {result}")
        return 0
    return 2


def _partner_token(db: Database, settings: Settings, args) -> int:
    if args.partner_command == "create":
        try:
            token_id, token = signals.create_partner_token(db, args.organisation)
        except ValueError as exc:
            print(f"Niet gelukt: {exc}", file=sys.stderr)
            return 1
        print(f"Token {token_id} voor '{args.organisation.strip()}'. Het token staat hieronder. U ziet het maar "
              "één keer: geef het veilig door aan de partner.")
        print(token)
        print("Dit token kan alleen signalen doorgeven (POST /api/signals). Intrekken: "
              f"python -m handoff partner-token revoke {token_id}")
        if settings.signals.sources and args.organisation.strip() not in settings.signals.sources:
            print("Let op: deze organisatie staat niet in 'signals.sources' van de gemeenteconfiguratie "
                  f"(bekend: {', '.join(settings.signals.sources)}).")
        return 0
    if args.partner_command == "list":
        rows = signals.list_partner_tokens(db)
        if not rows:
            print("Er zijn nog geen partnertokens.")
        for row in rows:
            state = f"ingetrokken op {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "werkt"
            used = f", laatst gebruikt {row['last_used_at']:%Y-%m-%d}" if row["last_used_at"] else ""
            print(f"{row['id']}: {row['organisation']} (gemaakt {row['created_at']:%Y-%m-%d}, {state}{used})")
        return 0
    if not signals.revoke_partner_token(db, args.token_id):
        print(f"Niet gelukt: er is geen partnertoken {args.token_id}.", file=sys.stderr)
        return 1
    print(f"Partnertoken {args.token_id} is ingetrokken. Het werkt niet meer.")
    return 0


def _print_roles(db: Database, username: str) -> None:
    found = roles.user_roles(db, username)
    print(f"Rollen van '{username}': {', '.join(found) if found else 'geen'}.")


def _print_teams(db: Database, settings: Settings, username: str) -> None:
    teams = tickets.user_teams(db, username)
    unknown = [t for t in teams if settings.team_names and t not in settings.team_names]
    print(f"Teams van '{username}': {', '.join(teams) if teams else 'geen'}.")
    if unknown:
        print(f"Let op: niet in de gemeenteconfiguratie: {', '.join(unknown)} "
              f"(bekend: {', '.join(settings.team_names)}).")


if __name__ == "__main__":
    sys.exit(main())
