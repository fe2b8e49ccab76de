"""The endpoints, one module per original service; each has ``routes(backends)``."""
