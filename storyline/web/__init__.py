"""The web reader, REST API and feeds out: ``create_app(store)`` and ``serve(store)``.

Needs the ``web`` extra (fastapi, uvicorn, jinja2, python-multipart).
"""

from storyline.web.app import create_app, serve

__all__ = ["create_app", "serve"]
