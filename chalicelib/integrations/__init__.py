"""Integrations: the contract (base), the registry of kinds, setup, shared helpers, and kinds/ with one module per kind."""
