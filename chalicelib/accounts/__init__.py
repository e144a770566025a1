"""People: users, their logins and their places in projects. Nothing here imports Chalice."""
