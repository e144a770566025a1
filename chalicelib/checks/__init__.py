"""Checks: their schedules, status changes (flips), events, summaries, badges and the deadline sweep."""
