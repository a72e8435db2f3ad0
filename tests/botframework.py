"""Bot Framework (Teams) material for the tests that talk to the real channel: a signing
key and its JWKS entry as the Microsoft stand-in serves it, tokens signed with it,
activities, and the webhook request. Shared by tests/channels and tests/attack."""
import json
import time
import uuid
from typing import Any, Dict, Optional, Sequence, Tuple

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "11111111-2222-3333-4444-555555555555"  # the bot's app id in the credentials
ISSUER = "https://api.botframework.com"
KID = "test-key"
WEBHOOK = "/webhooks/botframework/webhook"


def signing_key(kid: str = KID, endorsements: Sequence[str] = ("msteams", "emulator")) -> Tuple[Any, Dict[str, Any]]:
    """A fresh RSA key and its public JWK, listing the channels it endorses as Microsoft does."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=kid, use="sig", alg="RS256")
    if endorsements:
        jwk["endorsements"] = list(endorsements)
    return key, jwk


def token(key: Any, service_url: Optional[str] = None, kid: str = KID, **changes: Any) -> str:
    """A token as the Bot Framework signs it. The service URL claim is 'serviceurl' in
    Microsoft's tokens (its documents write 'serviceUrl'); ``changes`` replace claims, and
    a claim set to None is left out."""
    now = int(time.time())
    claims: Dict[str, Any] = {"aud": APP_ID, "iss": ISSUER, "exp": now + 600, "nbf": now - 10, "serviceurl": service_url}
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


def activity(service_url: str, text: str = "hallo", user: str = "29:user-1",
             conversation: Optional[str] = None) -> Dict[str, Any]:
    """A Teams message activity from ``user``."""
    return {"type": "message", "id": "act-" + uuid.uuid4().hex[:6], "timestamp": "2026-11-27T10:00:00.000Z",
            "serviceUrl": service_url, "channelId": "msteams", "from": {"id": user, "name": "Jan"},
            "conversation": {"id": conversation or "conv-" + uuid.uuid4().hex[:6]},
            "recipient": {"id": "28:bot", "name": "Zelfscan"}, "text": text, "locale": "nl-NL"}


def post(base_url: str, body: Dict[str, Any], bearer: Optional[str], timeout: float = 30) -> requests.Response:
    """POST ``body`` to the Bot Framework webhook of the Rasa server at ``base_url``; no
    Authorization header when ``bearer`` is None."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return requests.post(base_url + WEBHOOK, json=body, headers=headers, timeout=timeout)
