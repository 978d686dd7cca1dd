"""File downloads shared by the routers."""

import os

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask


def download(path: str, media_type: str, filename: str) -> FileResponse:
    """A spooled file (`service.transfer.spool`) as an attachment, deleted once it is sent."""
    return FileResponse(
        path, media_type=media_type, filename=filename, background=BackgroundTask(os.unlink, path)
    )
