"""The fast path: whole epochs of a dense network's training in one call of a small C kernel
(`dense_kernel.c`), compiled once per machine with the system's C compiler and cached.

Tiny networks spend almost all their time in PyTorch's per-operation overhead (a step of the
TensorFlow Playground's circle network is ~25 operations of ~5 µs each); the kernel does a step in
microseconds and evaluates both splits after every epoch, as the eager path does. It works on the
torch tensors' own memory (weights, optimizer state, last-good and best copies), so the Trainer
can switch between the paths at any epoch boundary and saving, resuming, probing and exporting
see one model.

`plan(project, device, …)` says whether a trainer's settings are ones the kernel computes exactly (dense
layers on the CPU, plane data, the activations, losses and optimizers listed below); anything
else trains on the eager path, and `FastPlan.reason`/`unsupported` says why. Compilation runs in
the background (`KernelBuild`); a trainer's first run waits up to BUILD_WAIT s for it (a cached
kernel loads in milliseconds, a first compile takes ~0.3 s) and otherwise starts on the eager path
and switches at the next epoch boundary after the kernel is ready. The kernel is handed what it
trains as plain values (`FastInputs`), never a trainer to read.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from playground.core.model.spec import Project, TrainSpec

SOURCE = Path(__file__).with_name("dense_kernel.c")
ACTIVATIONS = {"linear": 0, "relu": 1, "leaky_relu": 2, "elu": 3, "tanh": 4, "sigmoid": 5, "sine": 6, "softplus": 7}
LOSSES = {"mse": 0, "mae": 1, "huber": 2, "hinge": 3, "bce": 4, "cross_entropy": 5}
#: losses whose PyTorch form depends on the output activation: the logits form, and bce on a
#: sigmoid output (BCE_ON_PROBABILITIES)
LOGIT_LOSSES = ("bce", "cross_entropy")
BCE_ON_PROBABILITIES = 6
OPTIMIZERS = {"sgd": 0, "momentum": 1, "nesterov": 2, "adam": 3, "adamw": 4, "rmsprop": 5, "adagrad": 6}
REGULARIZATIONS = {"none": 0, "l1": 1, "l2": 2}
#: The widest layer it takes: beyond this, plain loops lose to PyTorch's optimized matrix products.
MAX_UNITS = 64
#: Seconds one kernel call aims at: short enough that pause and stop answer at once.
CALL_SECONDS = 0.01
#: Seconds a trainer's first run waits for the build before it starts on the eager path.
BUILD_WAIT = 3.0


def cache_folder() -> Path:
    """Where compiled kernels are kept: $XDG_CACHE_HOME (or ~/.cache)/neural-playground/kernels."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neural-playground" / "kernels"


def compiler() -> str | None:
    """The C compiler to use ($CC, else cc, gcc or clang on the PATH), or None."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def build_kernel(folder: Path | None = None, extra_flags: tuple[str, ...] = ()) -> Path:
    """The compiled kernel's path, compiling it first when this source and compiler have not been
    compiled yet (into a temporary file, then renamed: two processes never see half a library).
    `extra_flags`: more compiler flags (the memory-checker test builds with -fsanitize=address).
    Raises RuntimeError when there is no compiler or it fails."""
    cc = compiler()
    if cc is None:
        raise RuntimeError("no C compiler found (install gcc or clang, or set CC)")
    source = SOURCE.read_bytes()
    version = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout
    flags = ["-O2", "-fPIC", "-shared", "-std=c99", "-fno-fast-math", *extra_flags]
    key = hashlib.sha256(source + version.encode() + " ".join(flags).encode()).hexdigest()[:16]
    folder = folder or cache_folder()
    target = folder / f"dense_kernel-{key}.so"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(suffix=".so", dir=folder)
    os.close(fd)
    try:
        done = subprocess.run([cc, *flags, "-o", partial, str(SOURCE), "-lm"], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"compiling the fast path failed: {done.stderr.strip()[:400]}")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


def _argument_types() -> list:
    """ctypes types of train_epochs' parameters, read from its C declaration (one truth)."""
    text = SOURCE.read_text()
    start = text.index("int train_epochs(") + len("int train_epochs(")
    declared = text[start:text.index(") {", start)].split(",")
    return [ctypes.c_void_p if "*" in p else ctypes.c_double if "double" in p else ctypes.c_int for p in declared]


def load_kernel(path: Path) -> ctypes.CDLL:
    library = ctypes.CDLL(str(path))
    library.train_epochs.argtypes = _argument_types()
    library.train_epochs.restype = ctypes.c_int
    return library


class KernelBuild:
    """Compiles (or finds) and loads the kernel on a background thread; `kernel` once `ready`,
    `error` when it could not be built. One build per process is shared by every trainer."""

    _shared: "KernelBuild | None" = None
    _lock = threading.Lock()

    def __init__(self, extra_flags: tuple[str, ...] = ()) -> None:
        self.kernel: ctypes.CDLL | None = None
        self.error: str | None = None
        self._flags = extra_flags
        self._done = threading.Event()
        threading.Thread(target=self._build, name="fast-path-build", daemon=True).start()

    @classmethod
    def shared(cls) -> "KernelBuild":
        with cls._lock:
            if cls._shared is None or cls._shared.error is not None and cls._shared._done.is_set():
                cls._shared = cls()
            return cls._shared

    def _build(self) -> None:
        try:
            path = build_kernel(extra_flags=self._flags)
            try:
                self.kernel = load_kernel(path)
            except OSError:  # a damaged cache entry (a crash mid-copy, a full disk): build it again
                path.unlink(missing_ok=True)
                self.kernel = load_kernel(build_kernel(extra_flags=self._flags))
        except (RuntimeError, OSError, subprocess.SubprocessError) as err:
            self.error = str(err)
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self.kernel is not None

    def wait(self, seconds: float | None = None) -> bool:
        """Wait for the build; True when the kernel is there."""
        self._done.wait(seconds)
        return self.ready


@dataclass
class FastPlan:
    """What the kernel needs to know of a trainer, or why it cannot train it."""

    unsupported: str = ""     # why not, after "the fast path …"; empty: it computes this training exactly
    activations: tuple = ()
    loss: int = 0
    loss_arg: float = 0.0
    optimizer: int = 0
    optimizer_args: tuple = ()
    regularization: int = 0
    accuracy_mode: int = 0    # 0 none (regression), 1 argmax, 2 threshold
    threshold: float = 0.0


@dataclass(frozen=True)
class FastInputs:
    """What the kernel trains, as plain values: the model's parameters (weight, bias per dense
    layer; trained in place), the data as the trainer encoded it, and the settings it reads."""

    params: list[torch.Tensor]
    input_size: int
    x_train: torch.Tensor
    x_test: torch.Tensor
    y_train: torch.Tensor
    y_test: torch.Tensor
    labels_train: torch.Tensor
    labels_test: torch.Tensor
    training: TrainSpec


def plan(project: Project, device: torch.device, encoding: str, activation: str) -> FastPlan:
    """Whether (and how) the kernel trains `project` (on `device`, its targets encoded as
    `encoding`, its output through `activation`) exactly like the eager loop."""
    spec = project.training
    if device.type != "cpu":
        return FastPlan(f"runs on the CPU only (this trains on {device})")
    if project.data.kind not in ("plane", "table"):
        return FastPlan("handles the 2-D data sets and tables of numbers only")
    if not project.model.is_chain:
        return FastPlan("handles chains of layers only (this network branches or merges)")
    acts = []
    for i, layer in enumerate(project.model.layers):
        if layer.type != "dense":
            return FastPlan(f"handles dense layers only (layer {i + 1} is {layer.type})")
        if layer.params["units"] > MAX_UNITS:
            return FastPlan(f"handles layers of up to {MAX_UNITS} units (layer {i + 1} has {layer.params['units']}: "
                            "PyTorch's matrix routines are faster there)")
        if layer.params["activation"] not in ACTIVATIONS:
            return FastPlan(f"does not compute layer {i + 1}'s activation {layer.params['activation']}")
        acts.append(ACTIVATIONS[layer.params["activation"]])
    loss = spec.loss["name"]
    on_probabilities = loss == "bce" and activation == "sigmoid"
    if loss not in LOSSES or (loss in LOGIT_LOSSES and activation != "linear" and not on_probabilities):
        return FastPlan(f"does not compute the loss {loss} with a {activation} output")
    optimizer = spec.optimizer
    if optimizer["name"] not in OPTIMIZERS:
        return FastPlan(f"does not compute the optimizer {optimizer['name']}")
    args = (optimizer.get("momentum", 0.0), optimizer.get("beta1", 0.9), optimizer.get("beta2", 0.999),
            optimizer.get("eps", 1e-8), optimizer.get("weight_decay", 0.0), optimizer.get("alpha", 0.99))
    mode = 0 if encoding == "real" else 1 if encoding in ("index", "onehot") else 2
    threshold = 0.5 if (encoding == "01" and activation == "sigmoid") else 0.0
    return FastPlan("", tuple(acts), BCE_ON_PROBABILITIES if on_probabilities else LOSSES[loss], float(spec.loss.get("delta", 0.0)), OPTIMIZERS[optimizer["name"]],
                    tuple(float(a) for a in args), REGULARIZATIONS.get(spec.regularization, 0), mode, threshold)


def _pointers(tensors: list[torch.Tensor]) -> ctypes.Array:
    return (ctypes.c_void_p * len(tensors))(*[t.data_ptr() for t in tensors])


def _address(array: np.ndarray | None) -> int | None:
    return None if array is None else array.ctypes.data


def _count(array) -> int:
    return 0 if array is None else int(array.numel() if isinstance(array, torch.Tensor) else array.size)


def check_buffers(params: list[torch.Tensor], blocks: dict[str, list[torch.Tensor] | None],
                  data: dict[str, np.ndarray | None], counts: dict[str, int]) -> None:
    """Refuse (ValueError naming it) any tensor or array the kernel would read or write past its
    end: every per-parameter buffer (`blocks`: good, best, state1, state2, steps) must be a
    contiguous float32 CPU tensor of its parameter's shape (a one-element count for steps), every
    data buffer C-contiguous, of the dtype the kernel reads and of `counts[name]` elements. The
    one place this is checked; the kernel checks the counts again (`handed`)."""
    for name, tensors in [("params", params), *blocks.items()]:
        if tensors is None:
            continue
        if len(tensors) != len(params):
            raise ValueError(f"the fast path needs one {name} tensor per parameter ({len(params)}), not {len(tensors)}")
        for i, (t, p) in enumerate(zip(tensors, params)):
            if not isinstance(t, torch.Tensor) or t.dtype != torch.float32 or t.device.type != "cpu" \
                    or not t.is_contiguous():
                raise ValueError(f"the fast path needs contiguous float32 CPU tensors ({name}[{i}])")
            if t.numel() != (1 if name == "steps" else p.numel()) or (name != "steps" and t.shape != p.shape):
                raise ValueError(f"{name}[{i}] has shape {list(t.shape)}, parameter {i} has {list(p.shape)}")
    kinds = {"x": np.float32, "y": np.float32, "labels": np.int32, "orders": np.int64, "lrs": np.float64,
             "results": np.float64}
    for name, array in data.items():
        if array is None:
            continue
        if array.dtype != kinds[name.split("_")[0]] or not array.flags.c_contiguous:
            raise ValueError(f"the fast path needs {name} as C-contiguous {np.dtype(kinds[name.split('_')[0]])}")
        if array.size != counts[name]:
            raise ValueError(f"{name} has {array.size} values, the fast path reads {counts[name]}")


class FastDense:
    """Trains a dense network with the kernel. Build it once per trainer; `train` is handed the
    optimizer's state afresh every call (resets and loads replace those tensors)."""

    def __init__(self, inputs: FastInputs, fast_plan: FastPlan, kernel: ctypes.CDLL) -> None:
        self.plan, self.kernel, self.training = fast_plan, kernel, inputs.training
        params = list(inputs.params)
        self.params = params
        sizes = [inputs.input_size] + [p.shape[0] for p in params[::2]]
        self.sizes = (ctypes.c_int * len(sizes))(*sizes)
        self.acts = (ctypes.c_int * len(fast_plan.activations))(*fast_plan.activations)
        self.args = (ctypes.c_double * len(fast_plan.optimizer_args))(*fast_plan.optimizer_args)
        cross_entropy = fast_plan.loss == LOSSES["cross_entropy"]
        self._keep = []  # arrays whose memory the kernel reads

        def floats(t: torch.Tensor) -> np.ndarray:
            array = np.ascontiguousarray(t.detach().cpu().numpy(), dtype=np.float32)
            self._keep.append(array)
            return array

        def ints(t: torch.Tensor) -> np.ndarray:
            array = np.ascontiguousarray(t.detach().cpu().numpy(), dtype=np.int32)
            self._keep.append(array)
            return array

        self.x_train, self.x_test = floats(inputs.x_train), floats(inputs.x_test)
        self.y_train = None if cross_entropy else floats(inputs.y_train)
        self.y_test = None if cross_entropy else floats(inputs.y_test)
        classes = fast_plan.accuracy_mode != 0 or cross_entropy
        self.labels_train = ints(inputs.labels_train) if classes else None
        self.labels_test = ints(inputs.labels_test) if classes else None
        self.target_dim = 1 if cross_entropy else int(inputs.y_train.shape[1])
        self.n_train, self.n_test = len(inputs.x_train), len(inputs.x_test)

    def _state(self, state: dict) -> tuple:
        """The optimizer's state tensors (first, second, step counts; None where it keeps none),
        created in `state` (a torch.optim optimizer's) as torch.optim would (zeros)."""
        name = self.training.optimizer["name"]
        first, second, steps = [], [], []
        for p in self.params:
            entry = state[p]
            if name in ("momentum", "nesterov"):
                entry.setdefault("momentum_buffer", torch.zeros_like(p))
                first.append(entry["momentum_buffer"])
            elif name in ("adam", "adamw"):
                entry.setdefault("step", torch.tensor(0.0))
                entry.setdefault("exp_avg", torch.zeros_like(p, memory_format=torch.preserve_format))
                entry.setdefault("exp_avg_sq", torch.zeros_like(p, memory_format=torch.preserve_format))
                first.append(entry["exp_avg"])
                second.append(entry["exp_avg_sq"])
                steps.append(entry["step"])
            elif name == "rmsprop":
                entry.setdefault("step", torch.tensor(0.0))
                entry.setdefault("square_avg", torch.zeros_like(p, memory_format=torch.preserve_format))
                if self.training.optimizer.get("momentum", 0.0) > 0:
                    entry.setdefault("momentum_buffer", torch.zeros_like(p, memory_format=torch.preserve_format))
                    second.append(entry["momentum_buffer"])
                first.append(entry["square_avg"])
                steps.append(entry["step"])
            elif name == "adagrad":
                first.append(entry["sum"])
                steps.append(entry["step"])
        return first or None, second or None, steps or None

    def train(self, epochs: int, learning_rates: list[float], orders: np.ndarray | None,
              good: list[torch.Tensor], best: list[torch.Tensor], best_loss: float,
              optimizer_state: dict) -> tuple[int, np.ndarray, int, float]:
        """Train `epochs` epochs, updating `optimizer_state` (torch.optim's) in place. Returns (epochs completed with finite losses, per-epoch
        [train loss, train accuracy, test loss, test accuracy], index of the best epoch in this
        call or -1, the best test loss). Every buffer is checked (check_buffers) before the call."""
        spec = self.training
        results = np.full((epochs, 4), np.nan)
        lrs = np.ascontiguousarray(learning_rates, dtype=np.float64)
        order = None if orders is None else np.ascontiguousarray(orders)
        first, second, steps = self._state(optimizer_state)
        blocks = {"good": good, "best": best, "state1": first, "state2": second, "steps": steps}
        data = {"x_train": self.x_train, "y_train": self.y_train, "labels_train": self.labels_train,
                "x_test": self.x_test, "y_test": self.y_test, "labels_test": self.labels_test, "orders": order,
                "lrs": lrs, "results": results}
        n_in = self.sizes[0]
        counts = {"x_train": self.n_train * n_in, "x_test": self.n_test * n_in, "labels_train": self.n_train,
                  "labels_test": self.n_test, "y_train": self.n_train * self.target_dim,
                  "y_test": self.n_test * self.target_dim, "orders": epochs * self.n_train, "lrs": epochs,
                  "results": 4 * epochs}
        check_buffers(self.params, blocks, data, counts)
        handed = [_count(t) for t in self.params]
        for tensors in blocks.values():
            handed += [_count(t) for t in tensors] if tensors is not None else [0] * len(self.params)
        handed = np.array(handed + [_count(a) for a in data.values()], dtype=np.int64)
        pointers = {k: _pointers(v) if v is not None else None for k, v in blocks.items()}
        best_value = ctypes.c_double(best_loss)
        best_index = ctypes.c_int(-1)
        done = self.kernel.train_epochs(
            len(self.plan.activations), self.sizes, self.acts, _pointers(self.params), pointers["good"],
            pointers["state1"], pointers["state2"], pointers["steps"], self.plan.optimizer, self.args, self.plan.loss,
            self.plan.loss_arg, self.plan.regularization, float(spec.regularization_rate),
            float(spec.clip_grad_norm or 0.0), _address(self.x_train), _address(self.y_train),
            _address(self.labels_train), self.n_train, _address(self.x_test), _address(self.y_test),
            _address(self.labels_test), self.n_test, self.target_dim, spec.batch_size, epochs, _address(order),
            _address(lrs), self.plan.accuracy_mode, self.plan.threshold, _address(results), pointers["best"],
            ctypes.byref(best_value), ctypes.byref(best_index), _address(handed))
        if done < 0:
            raise RuntimeError("the fast path's kernel refused its buffers (their sizes do not fit the network)")
        return done, results, best_index.value, best_value.value
