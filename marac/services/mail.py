"""Outgoing email, sent by the backend the MAIL_BACKEND setting names.

**No personal data in any message.** Email leaves our systems and sits in inboxes, phones and
mail servers we do not control. A message says that something needs attention, how many, and
links into the service, where access control applies: "3 actions owned by your agency are due
this week: https://…/actions". Never a victim's, perpetrator's or child's name, a date of birth,
an address, a case narrative, a risk answer or a referral's content; ids in a link are fine, a
name in a link is not. Callers compose subject and body; this module cannot check them, so
every caller's test should.

Backends:
- "console" (development and testing): one log line with the recipient and subject, nothing else.
- "file": the whole message as an .eml file under instance/mail/, to read while developing.
- "smtp" (production): smtplib to MAIL_SERVER:MAIL_PORT, STARTTLS always, then MAIL_USERNAME and
  MAIL_PASSWORD if set, from MAIL_DEFAULT_SENDER.
- "notify" (production, as UK public services send email): GOV.UK Notify's API, one request per
  recipient, with NOTIFY_API_KEY and the email template NOTIFY_TEMPLATE_ID (its subject
  "((subject))", its body "((body))"); the sender is the one set in Notify. Sent with GOV.UK
  Notify's own client, notifications-python-client, which signs each request with the key.
"""

import logging
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from models.clock import utcnow

logger = logging.getLogger(__name__)
# Notify's client logs Notify's answer to a refused request, which may repeat the address: its
# errors only, then; ours below name the status.
logging.getLogger("notifications_python_client").setLevel(logging.ERROR)

SMTP_TIMEOUT_SECONDS = 30


def send(to, subject, body):
    """Send a plain-text message to one address or a list of them. See the module docstring:
    a link and a count only, never personal data."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("A message needs at least one recipient")
    config = current_app.config
    message = _message(config["MAIL_DEFAULT_SENDER"], recipients, subject, body)
    backend = config["MAIL_BACKEND"]
    try:
        deliver = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"Unknown MAIL_BACKEND {backend!r}: use one of {', '.join(BACKENDS)}") from None
    deliver(message, config)
    return message


def _message(sender, recipients, subject, body):
    message = EmailMessage()  # the default policy refuses line breaks in headers
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(body)
    return message


def _console(message, config):
    logger.info("Mail to %s: %s", message["To"], message["Subject"])


def _file(message, config):
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    logger.info("Mail to %s written to %s", message["To"], path.name)


def _smtp(message, config):
    if not config["MAIL_SERVER"]:
        raise RuntimeError("MAIL_BACKEND is smtp but MAIL_SERVER is not set")
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


NOTIFY_TIMEOUT_SECONDS = 30


def _notify(message, config):
    if not (config["NOTIFY_API_KEY"] and config["NOTIFY_TEMPLATE_ID"]):
        raise RuntimeError("MAIL_BACKEND is notify but NOTIFY_API_KEY or NOTIFY_TEMPLATE_ID is not set")
    client = NotificationsAPIClient(
        config["NOTIFY_API_KEY"], base_url=config["NOTIFY_BASE_URL"], timeout=NOTIFY_TIMEOUT_SECONDS
    )
    personalisation = {"subject": str(message["Subject"]), "body": message.get_content()}
    recipients = [part.strip() for part in str(message["To"]).split(",")]
    for address in recipients:
        try:
            client.send_email_notification(
                email_address=address, template_id=config["NOTIFY_TEMPLATE_ID"], personalisation=personalisation
            )
        except APIError as error:
            # The status only: Notify's answer may repeat the address.
            raise RuntimeError(f"GOV.UK Notify refused the message: HTTP {error.status_code}") from None
    logger.info("Mail to %d recipients sent through GOV.UK Notify: %s", len(recipients), message["Subject"])


BACKENDS = {"console": _console, "file": _file, "smtp": _smtp, "notify": _notify}
