"""A local HTTP server on 127.0.0.1 that serves a folder, for `iocs update` tests.

Paths under `/status/<code>/` answer with that status, `/redirect-away/<x>` redirects to
`http://example.org/<x>` (which must never be followed); everything else is served from the
folder, so a test changes a feed by rewriting its file.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/status/"):
            code = int(self.path.split("/")[2])
            self.send_error(code)
            return
        if self.path.startswith("/redirect-away/"):
            self.send_response(302)
            self.send_header("Location", "http://example.org/" + self.path.split("/", 2)[2])
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops reading early (a refused oversized feed) is expected."""


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder`; yields the base URL (`http://127.0.0.1:<port>`)."""
    handler = partial(_Handler, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
