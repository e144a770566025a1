"""Pings: HTTP intake, what a ping does to its check (effects), and email pings (SMTP and SES)."""
