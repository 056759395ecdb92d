"""Starting the app's server on one address."""

import socket
import sys

from meedoen.errors import InputError, flag_problem
from meedoen.experiment import Experiment

__all__ = ["LOCAL", "check_address", "serve", "url"]

LOCAL = "127.0.0.1"


def url(host: str, port: int) -> str:
    return f"http://{host}:{port}/"


def check_address(host: str, port: int) -> None:
    """Raise InputError unless the server can listen on ``host``:``port``."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        where = f"{host}:{port}"
        message = f"cannot listen on {where}: {error.strerror} (a free port, or another --host)"
        raise InputError([flag_problem("--port", message)]) from None


def serve(experiment: Experiment, host: str = LOCAL, port: int = 8050, lang: str = "nl") -> None:
    """Serve the app for ``experiment`` on ``host``:``port`` until Ctrl-C; print its address."""
    import uvicorn

    from meedoen.app.ui import make_app

    check_address(host, port)
    app = make_app(experiment, lang)
    print(f"Meedoen app: {url(host, port)}  (Ctrl-C stops it)", flush=True)
    if host not in (LOCAL, "localhost", "::1"):
        print(f"Note: --host {host} lets other computers open the app.", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
