"""The dashboard pages, one module per area; each module's routes sit beside its views."""
