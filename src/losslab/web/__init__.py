"""The web playground: a FastAPI app over the library, and its static front end.

``losslab serve`` runs :func:`create_app` under uvicorn on 127.0.0.1:8000.
"""

from losslab._optional import require

require("web", "losslab.web")

from losslab.web.app import create_app

__all__ = ["create_app"]
