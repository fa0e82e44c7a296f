"""The HTTP API (``/api/v1``, FastAPI): every page's reads and commands for other programs.

Every call presents an API token (``python -m engine tokens create``) and goes through
``engine.service``, so roles, validation and the audit log are those of the app. Errors are
``application/problem+json`` (RFC 9457). ``app.create_app`` builds it; ``python -m engine api``
serves it.
"""

from engine.api.app import create_app

__all__ = ["create_app"]
