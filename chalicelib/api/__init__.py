"""Healthchecks-compatible management API (v1, v2, v3) and the other machine-read endpoints.

Each handler declares its route beside its code on the one blueprint in routing.py; `ROUTES`
imports every module that has handlers, so that registering it registers them all."""
from chalicelib.api import badge_images, checks_api, delivery_status, history, metrics, openapi, operator_metrics  # noqa: F401
from chalicelib.api.routing import routes as ROUTES

__all__ = ["ROUTES"]
