"""The website channels (REST and socket.io) with server-issued conversation ids and
the public chat limits.

A conversation id on the website is issued and signed by this server
(:mod:`zelfscan_channels.ids`); a message with any other id never reaches the assistant.

REST (``/webhooks/rest/...``):
    POST /webhooks/rest/conversation  -> 201 {"conversation_id": "web-..."}
    POST /webhooks/rest/webhook       {"sender": "<issued id>", "message": "..."}
        403 {"error": "unknown_conversation", ...}  id not issued by this server
        429 {"error": "too_many_messages", ...}     over the rate (Retry-After header)
        200 [{"recipient_id": ..., "text": "Uw bericht is te lang. ..."}]  too long, not parsed
socket.io: ``session_request {session_id}`` is answered with ``session_confirm <id>``: the
same id when this server issued it, otherwise a new one. Messages are taken for the id
confirmed on that connection only.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import rasa.core.channels.channel
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from zelfscan_channels.ids import is_web_id, issue_web_id
from zelfscan_channels.limits import BAD_REQUEST, TOO_FAST, TOO_LONG, ChatLimits, channel_text

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
UNKNOWN_REST = ("Dit gesprek is niet bekend. Vraag eerst een nieuw gesprek aan "
                "(POST /webhooks/rest/conversation) en gebruik dat nummer.")
UNKNOWN_SOCKET = "Dit gesprek is niet bekend. Er is een nieuw gesprek gestart. Stuur uw bericht opnieuw."
OTHER_CONVERSATION = "Dit bericht hoort niet bij dit gesprek. Het is niet verstuurd."


def _key() -> bytes:
    from zelfscan_runtime import secrets

    return secrets.get("CONVERSATION_ID_SECRET").encode("utf-8")


def request_ip(request: Optional[Request]) -> str:
    """The visitor's address (Sanic honours X-Forwarded-For only behind a configured proxy)."""
    if request is None:
        return "unknown"
    return request.remote_addr or request.ip or "unknown"


def allowed_origins() -> Optional[List[str]]:
    """The websites whose pages may open the chat over socket.io: the same list as the
    Rasa server's CORS origins (HANDOFF_PUBLIC_URL and RASA_CORS_ORIGINS); None (any
    website) when RASA_CORS_ORIGINS is ``*``."""
    import os

    from zelfscan_runtime import config

    if "*" in os.environ.get("RASA_CORS_ORIGINS", "").replace(",", " ").split():
        return None
    return config.cors_origins()


def _error(status: int, error: str, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": error, "message": message}, status=status, headers=headers)


class ZelfscanRestInput(RestInput):
    """Rasa's REST channel, for ids this server issued only."""

    def __init__(self, limits: Optional[ChatLimits] = None, key: Optional[bytes] = None) -> None:
        self.limits = limits or ChatLimits.shared()
        self.key = key or _key()  # production: a missing or weak secret stops the start here

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # a client cannot pose as another channel

    # the handler reads the body exactly as it was checked (one parse, no differences)
    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return req.ctx.checked_body["sender"]

    def _extract_message(self, req: Request) -> Optional[Text]:
        return req.ctx.checked_body["message"]

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = request.ctx.checked_body.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def check(self, request: Request) -> Optional[HTTPResponse]:
        """The refusal of a webhook request, or None when it may reach the assistant."""
        if len(request.body or b"") > MAX_BODY_BYTES:
            return _error(413, "message_too_long", channel_text(TOO_LONG))
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            return _error(400, "bad_request", channel_text(BAD_REQUEST))
        sender = body.get("sender")
        if not isinstance(sender, str) or not is_web_id(sender, self.key):
            logger.warning("REST message for a conversation id this server did not issue refused")
            return _error(403, "unknown_conversation", UNKNOWN_REST)
        ip = request_ip(request)
        said = body.get("metadata"), self.name()  # the message's gemeente, for the form of address
        if not self.limits.allow(sender, ip):
            wait = self.limits.retry_after(sender, ip)
            return _error(429, "too_many_messages", channel_text(TOO_FAST, *said),
                          headers={"Retry-After": str(wait or 1)})
        if self.limits.too_long(body["message"]):
            return response.json([{"recipient_id": sender, "text": channel_text(TOO_LONG, *said)}])
        request.ctx.checked_body = body
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.route("/conversation", methods=["POST"])
        async def conversation(request: Request) -> HTTPResponse:
            if not self.limits.new_per_ip.allow(request_ip(request)):
                return _error(429, "too_many_messages", channel_text(TOO_FAST), headers={"Retry-After": "60"})
            return response.json({"conversation_id": issue_web_id(self.key)}, status=201)

        @webhook.middleware("request")
        async def checked(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                return self.check(request)
            return None

        return webhook


class ZelfscanSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with ids this server issued and the chat limits.
    Session persistence is always on: the conversation is the confirmed id, not the socket."""

    def __init__(self, *args: Any, limits: Optional[ChatLimits] = None, key: Optional[bytes] = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_persistence = True
        self.limits = limits or ChatLimits.shared()
        self.key = key or _key()
        self.origins = allowed_origins()

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        namespace = self.namespace

        async def tell(sid: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=namespace)

        async def bind(sid: Text, conversation: Text) -> None:
            async with sio.session(sid, namespace=namespace) as session:
                old = session.get("conversation")
                if old and old != conversation:
                    sio.leave_room(sid, old, namespace=namespace)
                session["conversation"] = conversation
            sio.enter_room(sid, conversation, namespace=namespace)
            await sio.emit("session_confirm", conversation, room=sid, namespace=namespace)

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            # browsers apply CORS to HTTP, not to websockets: a page of another website is
            # refused here (clients that are not browsers send no Origin)
            origin = environ.get("HTTP_ORIGIN")
            if origin and self.origins is not None and origin.rstrip("/") not in self.origins:
                logger.warning("socket.io connection from a page of another website refused")
                return False
            if self.jwt_key:
                token = auth.get("token") if isinstance(auth, dict) else None
                if not token or not rasa.core.channels.channel.decode_bearer_token(
                        token, self.jwt_key, self.jwt_algorithm):
                    return False
            await sio.save_session(sid, {"ip": request_ip(environ.get("sanic.request"))}, namespace=namespace)
            return True

        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            await bind(sid, requested if isinstance(requested, str) and is_web_id(requested, self.key)
                       else issue_web_id(self.key))

        async def handle_message(sid: Text, data: Any) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            conversation = session.get("conversation")
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return await tell(sid, channel_text(BAD_REQUEST))
            if not conversation:  # no session_request yet: a new conversation, this message refused
                await bind(sid, issue_web_id(self.key))
                return await tell(sid, UNKNOWN_SOCKET)
            if data.get("session_id") not in (None, conversation):
                logger.warning("socket.io message for another conversation than the confirmed one refused")
                return await tell(sid, OTHER_CONVERSATION)
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            if not self.limits.allow(conversation, session.get("ip")):
                return await tell(sid, channel_text(TOO_FAST, metadata, self.name()))
            if self.limits.too_long(data["message"]):
                return await tell(sid, channel_text(TOO_LONG, metadata, self.name()))
            await on_new_message(UserMessage(data["message"], SocketIOOutput(sio, self.bot_message_evt),
                                             conversation, input_channel=self.name(), metadata=metadata))

        # replace Rasa's handlers (same events, so the widget's protocol is unchanged)
        sio.on("connect", connect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        return webhook
