"""Which devices torch can train on here, described for people, and turning a spec's device
string into a torch.device (or a clear error)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from playground.core.errors import ValidationError

if TYPE_CHECKING:
    import torch

    from playground.core.model.spec import Project


@dataclass(frozen=True)
class DeviceInfo:
    name: str          # "cpu", "cuda:0", "mps"
    description: str   # "NVIDIA H100 80GB HBM3 (79.1 GiB)"


def list_devices() -> list[DeviceInfo]:
    """Every device found: the CPU first, then each CUDA device, then Apple's MPS."""
    import os
    import platform

    import torch

    cpu = platform.machine() or "CPU"  # (platform.processor() runs a subprocess: slow, and hangs in threads)
    found = [DeviceInfo("cpu", f"{cpu}, {os.cpu_count()} cores")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            found.append(DeviceInfo(f"cuda:{i}", f"{props.name} ({props.total_memory / 2**30:.1f} GiB)"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(DeviceInfo("mps", "Apple Metal (MPS)"))
    return found


def resolve_device(name: str, path: str = "training.device") -> "torch.device":
    """'auto' is CUDA when present, else the CPU; a named device must exist."""
    import torch

    available = [d.name for d in list_devices()]
    if name == "auto":
        return torch.device("cuda:0" if "cuda:0" in available else "cpu")
    wanted = "cuda:0" if name == "cuda" else name
    if wanted not in available:
        raise ValidationError(path, f"{name} is not available here (found: {', '.join(available)}); "
                              "use auto or cpu")
    return torch.device(wanted)


def limit_blas_threads() -> None:
    """numpy's BLAS (OpenBLAS) on one thread, for the whole process: the probes' matrix
    products are tiny, and a BLAS thread pool woken for each of them fights the training and UI
    threads for the cores (measured: boundary + neuron maps 8 ms with two BLAS threads, 2.5 ms
    with one). torch's own threads are set apart (torch.set_num_threads)."""
    from threadpoolctl import ThreadpoolController

    ThreadpoolController().select(internal_api="openblas").limit(limits=1)


def default_threads() -> int:
    """Cores − 1 (at least 1): leave one core to the user interface."""
    import os

    return max(1, (os.cpu_count() or 2) - 1)


def auto_device(project: "Project", requested: str) -> tuple[str, str]:
    """What "auto" means for this network: a GPU when one is present, except for dense networks
    on the 2-D data sets, which train fastest on the CPU's fast path (a GPU would spend more time
    launching its tiny kernels than computing). Returns (device to resolve, why, or "")."""
    if requested != "auto" or resolve_device("auto").type == "cpu":
        return requested, ""
    if project.data.kind == "plane" and all(layer.type == "dense" for layer in project.model.layers):
        return "cpu", ("auto chose the CPU: a dense network on 2-D data trains fastest on the CPU's fast path "
                       "(on a GPU, launching its tiny kernels costs more than the arithmetic)")
    return requested, ""


def is_resource_error(err: RuntimeError, device: "torch.device") -> bool:
    """Out of memory anywhere, or any error of an accelerator (CUDA, MPS): not a bug of ours."""
    import torch

    if isinstance(err, torch.cuda.OutOfMemoryError):
        return True
    text = str(err).lower()
    if "out of memory" in text or "can't allocate memory" in text:
        return True
    return device.type != "cpu" and any(word in text for word in ("cuda", "cublas", "cudnn", "mps", "device"))
