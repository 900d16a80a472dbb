"""Sending SMS and e-mail through the configured sender, with a delivery log."""

from django.core.mail import send_mail
from django.utils import timezone

from .models import OutboundMessage
from .senders import SendError, get_sender

REDACTED = "[redacted]"


def send_sms(to: str, text: str, *, topic: str = "", sensitive: bool = False) -> OutboundMessage:
    """Send one SMS now and log it; a failure is logged, not raised."""
    message = OutboundMessage.objects.create(
        channel=OutboundMessage.Channel.SMS,
        recipient=to,
        body=REDACTED if sensitive else text,
        sensitive=sensitive,
        topic=topic,
    )
    try:
        message.provider_id = get_sender().send(to, text, sensitive=sensitive)
        message.state, message.sent_at = OutboundMessage.State.SENT, timezone.now()
    except SendError as exc:
        message.state, message.error = OutboundMessage.State.FAILED, str(exc)
    message.save(update_fields=["provider_id", "state", "sent_at", "error"])
    return message


def send_email(to: str, subject: str, text: str, *, topic: str = "") -> OutboundMessage:
    message = OutboundMessage.objects.create(
        channel=OutboundMessage.Channel.EMAIL, recipient=to, subject=subject, body=text, topic=topic
    )
    try:
        send_mail(subject, text, None, [to])
        message.state, message.sent_at = OutboundMessage.State.SENT, timezone.now()
    except Exception as exc:  # SMTP errors of every kind: logged for the delivery report
        message.state, message.error = OutboundMessage.State.FAILED, str(exc)
    message.save(update_fields=["state", "sent_at", "error"])
    return message
