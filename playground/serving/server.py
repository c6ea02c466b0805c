"""Running the server: in the foreground for `playground serve`, or on a thread of its own for
the window and the tests (BackgroundServer), with uvicorn. Binds 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import signal
import socket
import threading
import time

import uvicorn

from playground.serving.app import MAX_BODY, make_app
from playground.serving.model import ServedModel

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def check_port(host: str, port: int) -> None:
    """Raise OSError (its reason in words) when `host:port` cannot be listened on: a clear error
    before the server starts, where uvicorn would only log one and exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise OSError(f"cannot listen on {host}:{port} ({err.strerror or err})") from None


def _config(model: ServedModel, host: str, port: int, max_batch_size: int, max_queue_delay_us: int,
            max_request_bytes: int) -> uvicorn.Config:
    app = make_app(model, max_batch_size, max_queue_delay_us, max_request_bytes)
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")


def serve_forever(model: ServedModel, host: str = "127.0.0.1", port: int = 8000, max_batch_size: int = 64,
                  max_queue_delay_us: int = 500, max_request_bytes: int = MAX_BODY) -> None:
    """Serve until Ctrl+C or SIGTERM: uvicorn finishes the requests in flight, then returns (after
    SIGTERM, normally: exit status 0; uvicorn raises the signal again once it has stopped, which
    the handler set here lets pass)."""
    server = uvicorn.Server(_config(model, host, port, max_batch_size, max_queue_delay_us, max_request_bytes))
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)


class BackgroundServer:
    """A server on a thread of its own. `start()` returns once it accepts connections (or raises
    OSError when the port cannot be bound); `url`; `stop()`; `statistics` of its batcher."""

    def __init__(self, model: ServedModel, host: str = "127.0.0.1", port: int = 0, max_batch_size: int = 64,
                 max_queue_delay_us: int = 500, max_request_bytes: int = MAX_BODY) -> None:
        self.config = _config(model, host, port, max_batch_size, max_queue_delay_us, max_request_bytes)
        self.model, self.host = model, host
        self.server = uvicorn.Server(self.config)
        self._thread = threading.Thread(target=self._run, name="model-server", daemon=True)
        self.port = port

    @property
    def statistics(self):
        return self.config.app.state.batcher.statistics

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        try:
            self.server.run()
        except SystemExit:  # uvicorn's way of saying it could not start; start() reports it
            pass

    def start(self, timeout: float = 30.0) -> "BackgroundServer":
        check_port(self.host, self.config.port)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise OSError(f"the server could not start on {self.host}:{self.config.port} (is the port taken?)")
            if time.monotonic() > deadline:
                self.stop()
                raise OSError("the server did not start in time")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
