"""`fit`'s loop: the engine's Trainer runs the epochs; after each one the Keras callbacks (and
History) get their logs — loss, the compiled metrics, and the validation figures when there are
validation rows — and a progress bar or a line (verbose 1, 2). Ctrl+C ends it keeping the weights."""

from __future__ import annotations

import sys

from playground.keras.callbacks import Callback, EpochHook, History


def train(model, trainer, epochs: int, verbose: int | str, callbacks: list[Callback], validating: bool) -> History:
    history = History()
    history.params = {"epochs": epochs, "verbose": verbose}
    for callback in [history, *callbacks]:
        callback.set_model(model)
    verbose = 1 if verbose == "auto" else int(verbose)
    bar = None
    if verbose == 1:
        from tqdm import tqdm

        bar = tqdm(total=epochs, unit="epoch", leave=True)
    start_epoch, count = trainer.epoch, [0]
    model.stop_training = False

    def on_epoch(trainer, snapshot) -> bool:
        epoch = count[0]
        logs = epoch_logs(model, snapshot, validating)
        for callback in [history, *callbacks]:
            callback.on_epoch_end(epoch, logs)
        count[0] += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()})
        elif verbose == 2:
            print(f"Epoch {epoch + 1}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if not model.stop_training and count[0] < epochs:
            for callback in callbacks:
                callback.on_epoch_begin(count[0], logs)
        return model.stop_training

    for callback in [history, *callbacks]:
        callback.on_train_begin()
    for callback in callbacks:
        callback.on_epoch_begin(0)
    try:
        trainer.run(epochs, [EpochHook(on_epoch, exact=bool(callbacks))])
    except KeyboardInterrupt:
        print(f"\nStopped at epoch {trainer.epoch - start_epoch} of {epochs}; the weights are kept.",
              file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    for callback in [history, *callbacks]:
        callback.on_train_end()
    if trainer.history and trainer.history[-1].kind == "diverged":
        print("Training diverged (the loss became NaN or infinite); the last good weights are kept.",
              file=sys.stderr)
    return history

def epoch_logs(model, snapshot, validating: bool) -> dict[str, float]:
    metrics = model._need_compiled()["metrics"]
    logs = {"loss": float(snapshot.train_loss)}
    if "accuracy" in metrics and snapshot.train_accuracy is not None:
        logs["accuracy"] = float(snapshot.train_accuracy)
    extra = [m for m in metrics if m in ("mae", "mse")]
    if extra:
        logs.update(model._regression_metrics(extra, model._trainer.x_train, model._trainer.dataset.y_train))
    if validating:
        logs["val_loss"] = float(snapshot.test_loss)
        if "accuracy" in metrics and snapshot.test_accuracy is not None:
            logs["val_accuracy"] = float(snapshot.test_accuracy)
        if extra:
            logs.update({f"val_{k}": v for k, v in model._regression_metrics(
                extra, model._trainer.x_test, model._trainer.dataset.y_test).items()})
    return logs
