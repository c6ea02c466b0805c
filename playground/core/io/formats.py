"""The export formats and their file extensions (no torch: the window lists them before torch
is loaded)."""

FORMATS = ("onnx", "pt2", "torchscript", "safetensors", "python")
EXTENSIONS = {"onnx": ".onnx", "pt2": ".pt2", "torchscript": ".pt", "safetensors": ".safetensors",
              "python": ".py"}
#: Formats written as a folder rather than a file: a model repository that a server loads.
REPOSITORIES = ("triton",)
