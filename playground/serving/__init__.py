"""Serving a trained model over the network in the Open Inference Protocol (v2 REST) that KServe,
Triton and MLServer speak: protocol.py (requests and responses as plain functions), model.py (an
ONNX export in onnxruntime: no torch at serve time), batcher.py (dynamic batching), app.py (the
FastAPI endpoints and the page at /), server.py (uvicorn, in the foreground or on a thread),
source.py (run folders and projects made into an export), triton.py (a Triton model repository).
No Qt here."""
