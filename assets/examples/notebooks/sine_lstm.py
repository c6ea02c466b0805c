"""Forecasting a sine mixture with an LSTM in Keras's words: windows of 24 steps predict the next
value. Run it top to bottom (python sine_lstm.py)."""
import numpy as np

from playground.keras import Sequential, layers

t = np.linspace(0, 80, 3000)
series = np.sin(t) + 0.3 * np.sin(2.7 * t)
x = np.stack([series[i:i + 24] for i in range(2000)])[..., None].astype("float32")   # N × steps × 1
y = series[24:2024].astype("float32")                                                # the next value

model = Sequential([layers.LSTM(32, input_shape=(24, 1)), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(x, y, epochs=10, batch_size=32, validation_split=0.2, verbose=2)
print(f"validation mean absolute error {history.history['val_mae'][-1]:.4f}")
print("next values:", model.predict(x[-3:])[:, 0].round(3), "true:", y[-3:].round(3))
assert history.history["val_mae"][-1] < 0.1
