"""SMS and WhatsApp through Twilio: no buttons, so numbered options; 1600 characters a message.

Every webhook request must carry a valid ``X-Twilio-Signature``: HMAC-SHA1 with the
account's auth token over the public webhook address (``webhook_url``,
``TWILIO_WEBHOOK_URL``, exactly as configured at Twilio; never the address this server
sees behind a proxy) and the form fields. Anything else gets 403 and never reaches the
assistant. Conversation ids: ``whatsapp:+31...`` (as Twilio sends it) and ``sms:+31...``."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from zelfscan_channels import ApiBaseSetting, options
from zelfscan_channels.guard import limited, refused
from zelfscan_channels.ids import PREFIXES, twilio_id, without_prefix
from zelfscan_channels.limits import ChatLimits
from zelfscan_channels.text import LIMITS, numbered, split_message

SMS = PREFIXES["twilio_sms"]


class NumberedTwilioOutput(TwilioOutput):
    """Recipients are conversation ids; only the request to Twilio uses the bare number."""

    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text], twilio_number: Optional[Text],
                 api_base: Optional[Text] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        if api_base:  # tests: a local stand-in for api.twilio.com
            self.api.base_url = api_base.rstrip("/")

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        if "to" in message_data:
            message_data = dict(message_data, to=without_prefix(SMS, message_data["to"]))
        return await super()._send_message(message_data)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["twilio"]):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": part})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        options.remember(recipient_id, buttons)
        await self.send_text_message(recipient_id, numbered(text, buttons))


class NumberedTwilioInput(ApiBaseSetting, TwilioInput):
    """Rasa's Twilio channel; a reply with an option number becomes that option."""

    webhook_url: Optional[Text] = None

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from zelfscan_runtime import secrets

        channel = super().from_credentials(credentials)
        channel.webhook_url = (credentials or {}).get("webhook_url") or None
        if secrets.is_production():
            reason = secrets.problem("TWILIO_AUTH_TOKEN", channel.auth_token)
            if reason:
                raise secrets.SecretError(secrets.refusal("TWILIO_AUTH_TOKEN", reason))
            if not channel.webhook_url:
                raise secrets.SecretError("ZELFSCAN_ENV=production: TWILIO_WEBHOOK_URL is missing (the public "
                                          "address Twilio posts to; it is part of the signature).")
        channel.debug_mode = False  # a failing message must not leak a stack trace to the caller
        channel.limits = ChatLimits.shared()
        return channel

    def verified(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not (self.auth_token and self.webhook_url and signature):
            return False
        return bool(RequestValidator(self.auth_token).validate(self.webhook_url, request.form, signature))

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The number the entrepreneur wrote to ("whatsapp:+31..." or "+31..."), by which a
        regional service knows the gemeente (region routes)."""
        number = (request.form or {}).get("To")
        return {"channel_address": number} if number else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def with_numbers(message: UserMessage) -> Any:
            payload = options.payload_for(message.sender_id, message.text or "")
            if payload is not None:
                message.text = payload
            return await on_new_message(message)

        webhook = super().blueprint(limited(with_numbers, self.limits, lambda m: twilio_id(m.sender_id)))

        @webhook.middleware("request")
        async def verify(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook") \
                    and not self.verified(request):
                return refused(403, "Twilio request without a valid X-Twilio-Signature")
            return None

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return NumberedTwilioOutput(self.account_sid, self.auth_token, self.twilio_number,
                                    self.api_base)
