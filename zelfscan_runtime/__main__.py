"""Start the services the way ``make run`` does.

    python -m zelfscan_runtime prepare      check (production) or create (development) the
                                            secrets; write var/credentials.yml and var/endpoints.yml
    python -m zelfscan_runtime rasa         the Rasa server (channels; HTTP API only with RASA_ENABLE_API=1)
    python -m zelfscan_runtime actions      the action server (only the Rasa server may call it)
    python -m zelfscan_runtime handoff      the handoff service (inbox, ticket API, demo page)
    python -m zelfscan_runtime api-token    print a short-lived JWT for the Rasa HTTP API

Every service creates its files for its own user only (umask 077) and binds to
127.0.0.1 unless RASA_HOST / ACTIONS_HOST / HANDOFF_HOST say otherwise.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from zelfscan_runtime import config, quiet, secrets


def _prepare(args: argparse.Namespace) -> int:
    config.prepare_var()
    names = config.rasa_secrets() + config.action_secrets() + config.handoff_secrets()
    secrets.require(dict.fromkeys(names))
    channels = config.write_credentials()
    config.require_channel_secrets(channels)
    config.write_endpoints()
    print("Channels: " + ", ".join(c.split(".")[-1] for c in channels))
    return 0


def _rasa(args: argparse.Namespace) -> int:
    config.prepare_var()
    secrets.export(config.rasa_secrets())
    config.require_channel_secrets(config.read_credentials())
    config.write_endpoints()
    argv = config.rasa_argv(args.model, args.port)
    sys.argv = ["rasa"] + argv
    from zelfscan_runtime.rasa_patches import apply

    apply()  # speed-ups, before Rasa loads
    from rasa.__main__ import main

    main()
    return 0


def _actions(args: argparse.Namespace) -> int:
    config.prepare_var()
    secrets.export(config.action_secrets())
    from zelfscan_runtime.action_server import serve

    serve(args.port)
    return 0


def _handoff(args: argparse.Namespace) -> int:
    config.prepare_var()
    secrets.export(config.handoff_secrets())
    from handoff.__main__ import main

    argv = ["serve"] + (["--port", str(args.port)] if args.port else [])
    return main(argv)


def _api_token(args: argparse.Namespace) -> int:
    import time

    import jwt

    secret = secrets.get("RASA_JWT_SECRET")
    payload = {"user": {"username": args.user, "role": "admin"}, "exp": int(time.time()) + 60 * args.minutes}
    print(jwt.encode(payload, secret, algorithm="HS256"))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    os.umask(0o077)  # var/, databases, logs: readable by this user only
    quiet.install()
    parser = argparse.ArgumentParser(prog="python -m zelfscan_runtime")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare").set_defaults(fn=_prepare)
    rasa = sub.add_parser("rasa")
    rasa.add_argument("--model", default=os.environ.get("RASA_MODEL", "models/zelfscan.tar.gz"))
    rasa.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    rasa.set_defaults(fn=_rasa)
    actions = sub.add_parser("actions")
    actions.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    actions.set_defaults(fn=_actions)
    handoff = sub.add_parser("handoff")
    handoff.add_argument("--port", type=int, default=None)
    handoff.set_defaults(fn=_handoff)
    token = sub.add_parser("api-token")
    token.add_argument("--user", default="operator")
    token.add_argument("--minutes", type=int, default=60)
    token.set_defaults(fn=_api_token)
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except secrets.SecretError as exc:
        print(exc.line, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
