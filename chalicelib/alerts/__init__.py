"""Alerts: delivering notices for flips, their wording, bounces, and the monthly reports."""
