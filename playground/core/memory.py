"""Memory budgets, said once: what one training run may use, and what a loaded data set may take.

Both are checked before anything is allocated (the network's estimate in `shapes.check_memory`,
a data file's *decoded* size in the readers of `data/`), so a file or a network that would not
fit is a message naming the figure, never a machine swapping until the app is killed."""

from __future__ import annotations

import os

#: A loaded data set as it is held for training: its decoded values plus their float32 copy.
#: The default, 2 GiB or a quarter of the memory when that is less, fits an 8 GiB laptop
#: beside the window and the training run; PLAYGROUND_DATA_BUDGET (bytes) sets another.
DATA_BUDGET_DEFAULT = 2 * 2**30
#: Bytes a decoded value costs beyond its own size: the float32 copy training uses.
TRAINING_COPY_BYTES = 4


def physical_memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def memory_limit_bytes(fraction: float = 0.5) -> int:
    """A fraction of the machine's physical memory (the default budget for one training run)."""
    return int(physical_memory_bytes() * fraction)


def data_budget_bytes() -> int:
    """The bytes a loaded data set may take (see DATA_BUDGET_DEFAULT)."""
    configured = os.environ.get("PLAYGROUND_DATA_BUDGET", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return min(DATA_BUDGET_DEFAULT, physical_memory_bytes() // 4)


def human_bytes(n: float) -> str:
    """1536 → '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB"
