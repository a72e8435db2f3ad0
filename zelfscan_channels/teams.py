"""Microsoft Teams through the Bot Framework: Rasa's channel with configurable Microsoft
endpoints (login and OpenID keys), so the real client code can be tested locally."""
from __future__ import annotations

import datetime
from typing import Any, Dict, Optional, Text

import requests
from rasa.core.channels import botframework
from rasa.core.channels.botframework import BotFramework, BotFrameworkInput
from rasa.core.channels.channel import InputChannel

from zelfscan_channels.text import LIMITS, split_message


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
        credentials = credentials or {}
        if not credentials:
            cls.raise_missing_credentials_exception()
        if credentials.get("openid_url"):
            cls.openid_url = credentials["openid_url"]
        if credentials.get("token_url"):
            cls.token_url = credentials["token_url"]
        return cls(credentials.get("app_id"), credentials.get("app_password"))

    def _update_cached_jwk_keys(self) -> None:
        conf = requests.get(self.openid_url, timeout=15)
        conf.raise_for_status()
        keys = requests.get(conf.json()["jwks_uri"], timeout=15)
        keys.raise_for_status()
        self.jwt_keys = {key["kid"]: key for key in keys.json()["keys"]}
        self.jwt_update_time = datetime.datetime.now()

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        token_url = self.token_url

        async def via_splitting_output(message):  # type: ignore[no-untyped-def]
            out = message.output_channel
            if isinstance(out, BotFramework) and not isinstance(out, SplittingBotFramework):
                out.__class__ = SplittingBotFramework  # same state, with splitting and the token URL setting
                out.token_url = token_url
            return await on_new_message(message)

        return super().blueprint(via_splitting_output)
