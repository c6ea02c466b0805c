"""A tutorial-style binary classifier on a CSV table (the Breast Cancer Wisconsin table shipped in
assets/data): read the numbers with the standard library, standardize them, 30 → 12 → 8 → 1, with
a validation split and early stopping. Run it top to bottom (python breast_cancer.py)."""
import csv
from pathlib import Path

import numpy as np

from playground.keras import Sequential, callbacks, layers

table = Path(__file__).resolve().parents[2] / "data" / "breast-cancer.csv"
with table.open() as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
X = np.array([[float(v) for v in row[:-1]] for row in rows], dtype="float32")
y = np.array([row[-1] == "malignant" for row in rows], dtype="int64")
order = np.random.default_rng(0).permutation(len(X))      # Keras's validation_split takes the last rows
X, y = X[order], y[order]
X = (X - X[:455].mean(axis=0)) / X[:455].std(axis=0)      # standardized with the training rows' statistics

model = Sequential([layers.Dense(12, activation="relu", input_shape=(30,)),
                    layers.Dense(8, activation="relu"),
                    layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
stop = callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
history = model.fit(X, y, epochs=200, batch_size=10, validation_split=0.2, callbacks=[stop], verbose=0)
print(f"{len(history.history['loss'])} epochs; best validation loss {min(history.history['val_loss']):.4f}, "
      f"validation accuracy {history.history['val_accuracy'][-1]:.3f}")
loss, accuracy = model.evaluate(X[455:], y[455:], verbose=0)
print(f"held-out rows: loss {loss:.4f}, accuracy {accuracy:.3f}")
assert accuracy > 0.93
