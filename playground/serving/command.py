"""`playground serve SOURCE` and `playground export RUN --format triton`: the command line's
serving commands (cli.py parses, these run)."""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from playground.core.errors import PlaygroundError


def add_serve_command(sub) -> None:
    """`playground serve`'s arguments, on cli.py's parser (importing nothing heavy)."""
    serve = sub.add_parser("serve", help="answer requests with a trained model over HTTP, in the Open Inference "
                           "Protocol that Triton and KServe speak (a page to try it at /)")
    serve.add_argument("source", help="a run folder, a project saved with its trained weights, or an exported .onnx")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--name", help="the model's name in the URLs (default: the folder's or file's name)")
    serve.add_argument("--max-batch-size", type=int, default=64, help="rows gathered into one model call (default 64)")
    serve.add_argument("--max-queue-delay-us", type=int, default=500,
                       help="µs a request waits for others to batch with (default 500)")
    serve.add_argument("--max-request-bytes", type=int, help="larger request bodies are refused (default 8 MiB)")
    serve.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1)")


def _check_port(host: str, port: int) -> None:
    from playground.serving.server import check_port

    try:
        check_port(host, port)
    except OSError as err:
        raise PlaygroundError(f"{err}: choose another --port, or stop what uses it") from None


def _positive(value: int, name: str, low: int = 1) -> None:
    if value < low:
        raise PlaygroundError(f"{name} must be ≥ {low}, not {value}")


def serve(args) -> int:
    from playground.serving.app import MAX_BODY
    from playground.serving.server import LOCAL_HOSTS, serve_forever
    from playground.serving.source import served_model

    _positive(args.port, "--port", 0)
    if args.port > 65535:
        raise PlaygroundError(f"--port must be ≤ 65535, not {args.port}")
    _positive(args.max_batch_size, "--max-batch-size")
    _positive(args.max_queue_delay_us, "--max-queue-delay-us", 0)
    limit = MAX_BODY if args.max_request_bytes is None else args.max_request_bytes
    _positive(limit, "--max-request-bytes", 1024)
    _check_port(args.host, args.port)
    with tempfile.TemporaryDirectory(prefix="playground-serve-") as folder:
        model = served_model(args.source, Path(folder), args.name, threads=args.threads or 1)
        host = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{host}:{args.port}"
        shape = [1, *model.feature_shape]
        values = math.prod(model.feature_shape)
        example = ", ".join(["0"] * min(4, values)) + (", …" if values > 4 else "")
        print(f"serving {model.name} at {url}/  (the page to try it)", file=sys.stderr)
        print(f"  metadata: curl {url}/v2/models/{model.name}", file=sys.stderr)
        print(f"  infer:    curl -d '{{\"inputs\": [{{\"name\": \"{model.input_name}\", \"shape\": {shape}, "
              f"\"datatype\": \"FP32\", \"data\": [{example}]}}]}}' {url}/v2/models/{model.name}/infer", file=sys.stderr)
        print(f"  dynamic batching: up to {args.max_batch_size} rows, waiting at most {args.max_queue_delay_us} µs",
              file=sys.stderr)
        if args.host not in LOCAL_HOSTS:
            print(f"WARNING: listening on {args.host}: anyone who can reach this machine can use the model. "
                  "There is no authentication; serve on 127.0.0.1 unless you mean it.", file=sys.stderr)
        print("Ctrl+C stops.", file=sys.stderr, flush=True)
        serve_forever(model, args.host, args.port, args.max_batch_size, args.max_queue_delay_us,
                      limit)
    return 0


def export_repository(args) -> int:
    """`export RUN --format triton --output FOLDER`: a Triton model repository."""
    from playground.serving.source import served_model
    from playground.serving.triton import write_repository

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise PlaygroundError(f"--output {output}: a Triton model repository is a folder; give a folder")
    with tempfile.TemporaryDirectory(prefix="playground-triton-") as folder:
        model = served_model(args.run, Path(folder), getattr(args, "name", None))
        files = write_repository(model, output)
    print(f"exported triton: {output / model.name} ({', '.join(str(f.relative_to(output)) for f in files)}); "
          f"run it with: docker run --rm -p 8000:8000 -v {output.resolve()}:/models nvcr.io/nvidia/tritonserver:"
          "<yy.mm>-py3 tritonserver --model-repository=/models")
    return 0
