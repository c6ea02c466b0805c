"""The digits CNN in Keras's words: images as Keras gives them (N × 8 × 8, channels last), a
convolution, pooling, another convolution, global pooling, softmax. Run it top to bottom
(python digits_cnn.py)."""
from playground.keras import Sequential, datasets, layers

(x_train, y_train), (x_test, y_test) = datasets.digits.load_data()
x_train, x_test = x_train[..., None] / 16.0, x_test[..., None] / 16.0     # pixel counts 0–16 → 0…1

model = Sequential([layers.Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
                    layers.MaxPooling2D(),
                    layers.Conv2D(32, 3, padding="same", activation="relu"),
                    layers.GlobalAveragePooling2D(),
                    layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(x_train, y_train, epochs=30, batch_size=32, validation_data=(x_test, y_test), verbose=2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {accuracy:.3f}")
assert accuracy > 0.9
