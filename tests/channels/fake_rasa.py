"""The real channel classes of credentials.yml in a Sanic app, in front of a recording
stand-in for the assistant (no model needed). Every message that reaches the assistant
is listed at GET /received; the stand-in answers "ontvangen: <text>" through the
channel's own output.

    python -m tests.channels.fake_rasa CREDENTIALS PORT
"""
import sys
from urllib.parse import urljoin

from rasa.core.run import create_http_input_channels
from sanic import Sanic, response

received = []


async def assistant(message):
    received.append({"sender_id": message.sender_id, "text": message.text, "input_channel": message.input_channel})
    await message.output_channel.send_response(message.sender_id, {"text": f"ontvangen: {message.text}"})


def app_for(credentials: str) -> Sanic:
    app = Sanic("fake_rasa", configure_logging=False)
    for channel in create_http_input_channels(None, credentials):
        app.blueprint(channel.blueprint(assistant), url_prefix=urljoin("/webhooks/", channel.url_prefix()))

    @app.get("/received")
    async def listing(_request):
        return response.json(received)

    @app.get("/health")
    async def health(_request):
        return response.json({"status": "ok"})

    return app


if __name__ == "__main__":
    app_for(sys.argv[1]).run(host="127.0.0.1", port=int(sys.argv[2]), access_log=False)
