"""The HTTP server: the Open Inference Protocol's REST endpoints (v2) over FastAPI, answering from
a ServedModel through the dynamic batcher, and a page to try the model by hand at `/`.

Errors are the protocol's form, `{"error": "…"}`: 400 for a request the model cannot take (the
message names the field), 404 for an unknown model, version or path, 413 for a body that is too
large, 503 while the model is not ready."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Route

from playground import __version__
from playground.serving.batcher import DynamicBatcher
from playground.serving.model import VERSION, ServedModel
from playground.serving.protocol import ProtocolError, encode_infer_response, parse_infer_request

#: The largest request body read by default (bytes; `--max-request-bytes`).
MAX_BODY = 8 << 20
EXTENSIONS = ["binary_tensor_data", "statistics"]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def make_app(model: ServedModel, max_batch_size: int = 64, max_queue_delay_us: int = 500,
             max_request_bytes: int = MAX_BODY) -> FastAPI:
    """The server's application for `model` (run it with uvicorn; see serving.server)."""
    batcher = DynamicBatcher(model.run, max_batch_size, max_queue_delay_us)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title=f"Neural Playground: {model.name}", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.model, app.state.batcher = model, batcher

    @app.exception_handler(ProtocolError)
    async def protocol_error(_request: Request, err: ProtocolError) -> JSONResponse:
        return _error(err.status, str(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        if err.status_code == 404:
            return _error(404, f"no such endpoint: {request.method} {request.url.path}")
        return _error(err.status_code, str(err.detail))

    def served(name: str, version: str | None = None) -> ServedModel:
        if name != model.name:
            raise ProtocolError(f"unknown model {name!r}: this server serves {model.name!r}", 404)
        if version is not None and version != VERSION:
            raise ProtocolError(f"model {name!r} has no version {version!r}: it has version {VERSION}", 404)
        return model

    def ready_or_503() -> None:
        if not batcher.ready:
            raise ProtocolError(f"model {model.name!r} is not ready", 503)

    @app.get("/v2/health/live")
    async def live() -> dict:
        return {"live": True}

    @app.get("/v2/health/ready")
    async def ready() -> dict:
        ready_or_503()
        return {"ready": True}

    @app.get("/v2")
    async def server_metadata() -> dict:
        return {"name": "neural-playground", "version": __version__, "extensions": EXTENSIONS}

    @app.get("/v2/models/{name}")
    @app.get("/v2/models/{name}/versions/{version}")
    async def model_metadata(name: str, version: str | None = None) -> dict:
        return served(name, version).metadata()

    @app.get("/v2/models/{name}/ready")
    @app.get("/v2/models/{name}/versions/{version}/ready")
    async def model_ready(name: str, version: str | None = None) -> dict:
        served(name, version)
        ready_or_503()
        return {"name": name, "ready": True}

    @app.get("/v2/models/{name}/stats")
    @app.get("/v2/models/{name}/versions/{version}/stats")
    async def model_statistics(name: str, version: str | None = None) -> dict:
        served(name, version)
        figures = batcher.statistics.snapshot()
        return {"model_stats": [{"name": model.name, "version": VERSION, "inference_count": figures["rows"],
                                 "execution_count": figures["calls"], "request_count": figures["requests"],
                                 "failure_count": figures["failures"], "latency_ms_p50": figures["latency_ms_p50"],
                                 "latency_ms_p99": figures["latency_ms_p99"],
                                 "mean_batch_rows": figures["mean_batch_rows"]}]}

    @app.get("/v2/models/{name}/card")
    async def model_card(name: str) -> dict:
        served(name)
        return {"name": model.name, "signature": model.signature, "metrics": model.card.metrics,
                "layers": model.card.layers, "data": model.card.data, "metadata": model.metadata()}

    async def infer(request: Request) -> Response:
        """POST /v2/models/{name}[/versions/{version}]/infer — a plain Starlette route, matched
        first: FastAPI's parameter solving cost more per request than the model's answer."""
        served(request.path_params["name"], request.path_params.get("version"))
        ready_or_503()
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_request_bytes:
            raise ProtocolError(f"the request body has {int(length):,} bytes; at most {max_request_bytes:,} are "
                                "read (--max-request-bytes)", 413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_request_bytes:
                raise ProtocolError(f"the request body is larger than {max_request_bytes:,} bytes "
                                    "(--max-request-bytes)", 413)
        parsed = parse_infer_request(bytes(body), request.headers.get("inference-header-content-length"))
        rows = model.input_of(parsed)
        values = await batcher.infer(rows)
        try:
            content, header_length = encode_infer_response(model.name, VERSION, parsed,
                                                           model.answer(values, parsed.outputs))
        except ValueError:  # NaN in the model's answer: JSON cannot carry it
            raise ProtocolError("the model's answer holds NaN or infinite values", 500) from None
        if header_length is None:
            return Response(content, media_type="application/json")
        return Response(content, media_type="application/octet-stream",
                        headers={"Inference-Header-Content-Length": str(header_length)})

    for path in ("/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer"):
        app.router.routes.insert(0, Route(path, infer, methods=["POST"]))

    page = resources.files("playground.serving").joinpath("page.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse)
    async def try_it() -> HTMLResponse:
        return HTMLResponse(page.replace("__MODEL_NAME__", json.dumps(model.name)))

    return app
