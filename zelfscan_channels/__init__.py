"""Messaging channels of Zelfscan Ondernemers: Rasa's own channels with three additions.

- Channels without buttons (SMS and WhatsApp via Twilio) get numbered options
  ("Antwoord met 1, 2 of 3") and the number is accepted as the answer.
- Long messages are split at paragraph, sentence or word boundaries to each
  platform's length limit.
- The platform's API address is a setting (``api_base``), so the real client code can
  be tested against a local stand-in; in production it is left out.
"""

from typing import Any, Dict, Optional, Text  # noqa: E402


class ApiBaseSetting:
    """Reads the optional ``api_base`` credential (the platform API address; tests point
    it at a local stand-in, production leaves it out)."""

    api_base: Optional[Text] = None

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]):  # type: ignore[no-untyped-def]
        channel = super().from_credentials(credentials)  # type: ignore[misc]
        channel.api_base = (credentials or {}).get("api_base")
        return channel
