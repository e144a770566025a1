"""The web dashboard: requests and responses (http), sessions and CSRF, who may see what (access),
templates (render), and the pages, one module per area. Nothing here imports Chalice."""
