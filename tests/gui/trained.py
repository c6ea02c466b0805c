"""Reading the trainer a window's worker trains, the way a tool would: on the training thread,
between two steps (TrainingWorker.inspect), never racing the training."""


def ask(window, job):
    """What `job(trainer)` gives, computed on the window's training thread."""
    return window.worker.inspect(lambda session: job(session.trainer))
