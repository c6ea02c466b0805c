"""XOR in Keras's words on the Neural Playground engine: run it top to bottom (python xor.py)."""
import sys
from pathlib import Path

import numpy as np

from playground.keras import Adam, Sequential, layers, load_model

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
y = np.array([0, 1, 1, 0])

model = Sequential([layers.Dense(4, activation="tanh", input_dim=2),
                    layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(X, y, epochs=300, batch_size=4, verbose=0)
loss, accuracy = model.evaluate(X, y, verbose=0)
print(f"final training loss {history.history['loss'][-1]:.4f}; evaluated: loss {loss:.4f}, accuracy {accuracy:.2f}")
print("predictions:", model.predict(X)[:, 0].round(3))
model.summary()

out = Path(sys.argv[1] if len(sys.argv) > 1 else "xor-model")
path = model.save(out / "xor.json")       # `playground xor-model/xor.json` opens it in the window
print("saved", path)
assert np.allclose(load_model(path).predict(X), model.predict(X), atol=1e-6)
assert accuracy == 1.0
