"""One module per integration kind: its form, its message, its send. The registry lists them."""
