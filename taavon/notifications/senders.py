"""Pluggable SMS senders. ``settings.SMS_BACKEND`` names the class in use.

A sender has one method, ``send(to, text, *, sensitive=False) -> provider_id`` and raises
:class:`SendError` when the message was not accepted. ``sensitive`` marks secrets such as login
codes, which a sender must not write anywhere but to the recipient.
"""

import json
import logging
import urllib.request
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("taavon.sms")


class SendError(Exception):
    pass


class ConsoleSender:
    """Writes the message to the server log (the embedded default and the demo)."""

    def send(self, to: str, text: str, *, sensitive: bool = False) -> str:
        # A login code reaches the log only in the demo, where it is shown on screen anyway.
        shown = text if not sensitive or settings.TAAVON_DEMO else "[redacted]"
        logger.info("SMS to %s: %s", to, shown)
        return ""


class FileSender:
    """Appends each message as a JSON line to ``var/sms.jsonl`` (tests and demos read it)."""

    def __init__(self, path: Path | None = None):
        self.path = path or Path(settings.VAR_DIR) / "sms.jsonl"

    def send(self, to: str, text: str, *, sensitive: bool = False) -> str:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"to": to, "text": text}, ensure_ascii=False) + "\n")
        return ""


class HttpGatewaySender:
    """Posts to an SMS gateway: JSON ``{"to", "text"}`` with a bearer token, expects ``{"id"}``.

    Configure ``SMS_GATEWAY_URL`` and ``SMS_GATEWAY_TOKEN``; most Iranian gateways accept such a
    request through a thin adapter at their side, or subclass this and override ``payload``.
    """

    timeout = 10

    def payload(self, to: str, text: str) -> dict:
        return {"to": to, "text": text}

    def send(self, to: str, text: str, *, sensitive: bool = False) -> str:
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps(self.payload(to, text)).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read() or b"{}")
        except Exception as exc:  # any transport or decoding failure means "not sent"
            raise SendError(str(exc)) from exc
        return str(body.get("id", ""))


def get_sender():
    from django.utils.module_loading import import_string

    return import_string(settings.SMS_BACKEND)()
