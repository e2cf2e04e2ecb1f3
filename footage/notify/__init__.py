"""Message channels for alerts and shared clips: Telegram, e-mail, webhook."""
