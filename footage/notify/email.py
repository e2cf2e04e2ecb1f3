"""E-mail over SMTP with STARTTLS (587) or implicit TLS (465), the certificate
checked (against ``ca_file`` when given), optionally logged in. The snapshot is
attached. The password is a secret, never in errors."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from footage.alerts.config import EmailChannel, SmtpSecurity
from footage.notify.base import Delivery, OutgoingMessage


def build_email(sender: str, msg: OutgoingMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = msg.recipient
    mail["Subject"] = msg.subject
    mail.set_content(msg.text + (f"\n\n{msg.link}" if msg.link else "") + "\n")
    if msg.image is not None:
        mail.add_attachment(msg.image, maintype="image", subtype="jpeg", filename=msg.image_name)
    return mail


class SmtpMailer:
    def __init__(self, name: str, config: EmailChannel, password: str | None) -> None:
        self.name = name
        self._config = config
        self._password = password

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self._config.ca_file)

    def _connect(self) -> smtplib.SMTP:
        c = self._config
        if c.security is SmtpSecurity.TLS:
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_s, context=self._context())
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
        smtp.starttls(context=self._context())
        return smtp

    def send(self, msg: OutgoingMessage) -> Delivery:
        mail = build_email(self._config.sender, msg)
        try:
            with self._connect() as smtp:
                if self._config.username:
                    smtp.login(self._config.username, self._password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            return Delivery.failed(f"recipient refused: {list(exc.recipients)}", retryable=False)
        except smtplib.SMTPAuthenticationError as exc:
            return Delivery.failed(f"login refused ({exc.smtp_code})")
        except (smtplib.SMTPException, OSError) as exc:
            text = str(exc).replace(self._password, "***") if self._password else str(exc)
            return Delivery.failed(f"{type(exc).__name__}: {text}"[:300])
        return Delivery.ok()
