"""Session file endpoints (browse, tree, read, download, upload) and pasted-image uploads.

    paths.py     query-parameter validation, safe resolution of paths under the session root
    listing.py   /files and /file-tree
    serving.py   /download, /file-raw, /file-content and the content-type policy
    receive.py   streaming a request body to disk under a size cap
    uploads.py   /upload, /api/upload, /uploads/:id and UploadStore

Blocking filesystem work runs in threads throughout.
"""

from __future__ import annotations

from aiohttp import web

from termbeam_py.files import listing, serving, uploads
from termbeam_py.files.uploads import UploadStore

__all__ = ["UploadStore", "routes", "setup"]

#: Every route of the package (in the order they used to be added).
routes: tuple[web.AbstractRouteDef, ...] = (*listing.routes, *serving.routes, *uploads.routes)


def setup(app: web.Application) -> None:
    """Register the upload store and every file route on `app` (called by create_app)."""
    uploads.setup(app)
    app.router.add_routes(routes)
