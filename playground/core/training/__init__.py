"""Training: the loop (`Trainer`, trainer.py) and what it is made of — its control from other
threads (control.py), callbacks (callbacks.py), the weights it can go back to (weights.py), the
history it reports (history.py), learning-rate schedules (schedule.py), its fast-path side
(fast.py), measuring (evaluation.py), the views' probes (probing.py), and saving and resuming
exactly (resume.py, with every saved entry checked in state.py)."""

from importlib import import_module

#: Where each public name lives; imported when first asked for, so that importing one light
#: module of this package (callbacks, control) does not load torch.
_HOMES = {"Callback": "callbacks", "Checkpoint": "callbacks", "EarlyStopping": "callbacks",
          "LambdaCallback": "callbacks", "TrainingControl": "control", "HISTORY_FIELDS": "history",
          "HISTORY_LIMIT": "history", "HistoryLog": "history", "Snapshot": "history",
          "schedule_factor": "schedule", "TrainingState": "state", "TEST_EVAL_RATIO": "trainer",
          "Trainer": "trainer"}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
