"""Microsoft Teams through the Bot Framework: Rasa's channel with configurable Microsoft
endpoints (login and OpenID keys), so the real client code can be tested locally.

Every activity must carry a Bot Framework JWT (``Authorization: Bearer ...``), checked
here as Microsoft prescribes: RS256 signed by a key from the OpenID configuration
(``openid_url``; the keys are fetched again daily and when an unknown key id appears),
issuer ``https://api.botframework.com``, audience the bot's app id, not expired (five
minutes of clock skew), the ``serviceurl`` claim equal to the activity's ``serviceUrl``
and, when the key lists endorsements, the activity's channel among them. Anything else
gets 401 and never reaches the assistant. Conversation ids are ``teams:<user id>``."""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Dict, Optional, Text

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWTError
from jwt.algorithms import RSAAlgorithm
from rasa.core.channels import botframework
from rasa.core.channels.botframework import BotFramework, BotFrameworkInput
from rasa.core.channels.channel import InputChannel
from sanic.request import Request
from sanic.response import HTTPResponse

from zelfscan_channels.guard import limited, refused
from zelfscan_channels.ids import PREFIXES, with_prefix, without_prefix
from zelfscan_channels.limits import ChatLimits
from zelfscan_channels.text import LIMITS, split_message

logger = logging.getLogger(__name__)
PREFIX = PREFIXES["botframework"]
ISSUER = "https://api.botframework.com"
LEEWAY_SECONDS = 300
KEYS_MAX_AGE = datetime.timedelta(days=1)
UNKNOWN_KID_REFRESH = datetime.timedelta(minutes=5)


def service_url_claim(claims: Dict[Text, Any]) -> Text:
    """The token's service URL. Microsoft's prose writes ``serviceUrl``; the tokens carry
    ``serviceurl`` (the Bot Framework SDKs' ``ServiceUrlClaim``), so the name is matched
    without regard to case."""
    for name, value in claims.items():
        if name.lower() == "serviceurl":
            return str(value)
    return ""


class SplittingBotFramework(BotFramework):
    token_url = f"{botframework.MICROSOFT_OAUTH2_URL}/{botframework.MICROSOFT_OAUTH2_PATH}"

    async def _get_headers(self) -> Optional[Dict[Text, Any]]:
        if BotFramework.token_expiration_date >= datetime.datetime.now():
            return BotFramework.headers
        response = requests.post(self.token_url, timeout=15, data={
            "client_id": self.app_id, "client_secret": self.app_password, "grant_type": "client_credentials",
            "scope": "https://api.botframework.com/.default",
        })
        if not response.ok:
            return None
        data = response.json()
        BotFramework.token_expiration_date = datetime.datetime.now() + datetime.timedelta(seconds=int(data["expires_in"]))
        BotFramework.headers = {"content-type": "application/json", "Authorization": f"Bearer {data['access_token']}"}
        return BotFramework.headers

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await super().send_response(without_prefix(PREFIX, recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_message(text, LIMITS["botframework"]):
            await super().send_text_message(recipient_id, part, **kwargs)


class ZelfscanBotFrameworkInput(BotFrameworkInput):
    openid_url = botframework.MICROSOFT_OPEN_ID_URI
    token_url = SplittingBotFramework.token_url

    @classmethod
    def name(cls) -> Text:
        return "botframework"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from zelfscan_runtime import secrets

        credentials = credentials or {}
        if not credentials:
            cls.raise_missing_credentials_exception()
        if secrets.is_production():
            reason = secrets.problem("BOTFRAMEWORK_APP_PASSWORD", credentials.get("app_password"))
            if reason:
                raise secrets.SecretError(secrets.refusal("BOTFRAMEWORK_APP_PASSWORD", reason))
        if not credentials.get("app_id"):
            raise secrets.SecretError("BOTFRAMEWORK_APP_ID is missing: it is the audience of every Bot Framework token.")
        if credentials.get("openid_url"):
            cls.openid_url = credentials["openid_url"]
        if credentials.get("token_url"):
            cls.token_url = credentials["token_url"]
        channel = cls(credentials.get("app_id"), credentials.get("app_password"))
        channel.limits = ChatLimits.shared()
        return channel

    # ---------------------------------------------------------------- verification

    def _update_cached_jwk_keys(self) -> None:
        conf = requests.get(self.openid_url, timeout=15)
        conf.raise_for_status()
        keys = requests.get(conf.json()["jwks_uri"], timeout=15)
        keys.raise_for_status()
        self.jwt_keys = {key["kid"]: key for key in keys.json()["keys"]}
        self.jwt_update_time = datetime.datetime.now()

    def _signing_key(self, kid: Optional[Text]) -> Optional[Dict[Text, Any]]:
        age = datetime.datetime.now() - self.jwt_update_time
        if age > KEYS_MAX_AGE or (kid not in self.jwt_keys and age > UNKNOWN_KID_REFRESH):
            try:
                self._update_cached_jwk_keys()
            except (requests.RequestException, ValueError, KeyError):
                logger.warning("Could not fetch the Bot Framework signing keys from %s", self.openid_url)
        return self.jwt_keys.get(kid) if kid else None

    def _validate_jwt_token(self, jwt_token: Text) -> Dict[Text, Any]:
        """The token's claims when Microsoft signed it for this bot (else a PyJWTError)."""
        header = jwt.get_unverified_header(jwt_token)
        if header.get("alg") != "RS256":
            raise jwt.InvalidAlgorithmError("only RS256 is accepted")
        key = self._signing_key(header.get("kid"))
        if key is None:
            raise jwt.InvalidKeyError("unknown signing key")
        public_key = RSAAlgorithm.from_jwk(json.dumps(key))
        if not isinstance(public_key, RSAPublicKey):  # a JWK set never holds private keys here
            raise jwt.InvalidKeyError("the signing key is not an RSA public key")
        return jwt.decode(jwt_token, key=public_key, algorithms=["RS256"],
                          audience=self.app_id, issuer=ISSUER, leeway=LEEWAY_SECONDS,
                          options={"require": ["exp", "iss", "aud"]})

    def verified(self, request: Request) -> bool:
        match = botframework.BEARER_REGEX.match(request.headers.get("Authorization") or "")
        if not match:
            return False
        try:
            activity = request.json  # the same parse the handler uses (Sanic keeps it)
        except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is not JSON
            return False
        if not isinstance(activity, dict):
            return False
        try:
            claims = self._validate_jwt_token(match.group(1).strip())
            key = self.jwt_keys.get(jwt.get_unverified_header(match.group(1).strip()).get("kid"), {})
        except PyJWTError as error:
            logger.warning("Bot Framework token refused: %s", error)
            return False
        if str(service_url_claim(claims)).rstrip("/") != str(activity.get("serviceUrl", "")).rstrip("/"):
            logger.warning("Bot Framework token refused: serviceUrl does not match the activity")
            return False
        endorsements = key.get("endorsements")
        if endorsements and activity.get("channelId") not in endorsements:
            logger.warning("Bot Framework token refused: the key does not endorse this channel")
            return False
        return True

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        token_url = self.token_url
        guarded = limited(on_new_message, self.limits, lambda m: with_prefix(PREFIX, m.sender_id))

        async def via_splitting_output(message):  # type: ignore[no-untyped-def]
            out = message.output_channel
            if isinstance(out, BotFramework) and not isinstance(out, SplittingBotFramework):
                out.__class__ = SplittingBotFramework  # same state, with splitting and the token URL setting
                out.token_url = token_url
            return await guarded(message)

        webhook = super().blueprint(via_splitting_output)

        @webhook.middleware("request")
        async def verify(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook") \
                    and not self.verified(request):
                return refused(401, "Bot Framework request without a valid token")
            return None

        return webhook
