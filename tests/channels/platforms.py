"""The platform channels in the channel tests: fresh secrets for each run, and the part of
credentials.yml that points Telegram, Twilio, Slack and Teams at the local stand-in
(tests/channels/standin.py) instead of the real platforms."""
import secrets

from tests.botframework import APP_ID

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = secrets.token_hex(16)
TWILIO_URL = "https://zelfscan.example.nl/webhooks/twilio/webhook"  # the public address: part of the signature
TELEGRAM_SECRET = secrets.token_hex(24)
SLACK_SECRET = secrets.token_hex(16)


def telegram_credentials(api_base: str) -> str:
    return f"""
zelfscan_channels.telegram_channel.ZelfscanTelegramInput:
  access_token: "123456:TEST"
  verify: zelfscan_bot
  webhook_url: "https://zelfscan.example.nl/webhooks/telegram/webhook"
  webhook_secret: "{TELEGRAM_SECRET}"
  api_base: "{api_base}"
"""


def credentials(api_base: str) -> str:
    """Every platform channel, its API calls going to ``api_base``."""
    return telegram_credentials(api_base) + f"""
zelfscan_channels.sms_whatsapp.NumberedTwilioInput:
  account_sid: "{TWILIO_SID}"
  auth_token: "{TWILIO_TOKEN}"
  twilio_number: "whatsapp:+14155238886"
  webhook_url: "{TWILIO_URL}"
  api_base: "{api_base}"
zelfscan_channels.slack_channel.ZelfscanSlackInput:
  slack_token: "xoxb-test"
  slack_signing_secret: "{SLACK_SECRET}"
  api_base: "{api_base}"
zelfscan_channels.teams.ZelfscanBotFrameworkInput:
  app_id: "{APP_ID}"
  app_password: "{secrets.token_hex(16)}"
  openid_url: "{api_base}/openid"
  token_url: "{api_base}/token"
"""
