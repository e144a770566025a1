"""Shared utilities that know no domain: signing, rate limits, sending email, addresses, errors."""
