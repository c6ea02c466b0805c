"""The Python API in Keras's words: each argument against its documented meaning, results equal
to the CLI's on the same project, and refusals in words."""

import json
import subprocess
import sys

import numpy as np
import pytest

from playground.keras import SGD, Adam, Input, Model, Sequential, callbacks, datasets, l2, layers, load_model
from tests.conftest import EXAMPLES

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
XOR_Y = np.array([0, 1, 1, 0])


def xor_model(**compile_args) -> Sequential:
    model = Sequential([layers.Dense(4, activation="tanh", input_dim=2), layers.Dense(1, activation="sigmoid")])
    model.compile(**({"optimizer": Adam(learning_rate=0.05), "loss": "binary_crossentropy",
                      "metrics": ["accuracy"]} | compile_args))
    return model


def table(rows: int = 768, seed: int = 0):
    """A tutorial-shaped table: 8 numbers per row, a yes/no target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 8)).astype("float32")
    return x, (x[:, 0] + x[:, 1] * x[:, 2] - 0.5 * x[:, 3] > 0).astype("int64")


def test_the_readme_example_learns_xor_saves_and_opens_in_the_engine(tmp_path):
    model = xor_model()
    history = model.fit(XOR_X, XOR_Y, epochs=300, batch_size=4, verbose=0, validation_data=(XOR_X, XOR_Y))
    assert len(history.history["loss"]) == 300 and history.history["loss"][-1] < 0.1
    loss, accuracy = model.evaluate(XOR_X, XOR_Y, verbose=0)
    assert loss == pytest.approx(history.history["val_loss"][-1], rel=1e-5) and accuracy == 1.0
    assert model.evaluate(XOR_X, XOR_Y, return_dict=True).keys() == {"loss", "accuracy"}
    predicted = model.predict(XOR_X)
    assert predicted.shape == (4, 1) and ((predicted[:, 0] > 0.5) == XOR_Y.astype(bool)).all()
    path = model.save(tmp_path / "xor.json")
    assert (tmp_path / "xor.npz").is_file()
    again = load_model(path)
    assert np.allclose(again.predict(XOR_X), predicted, atol=1e-6)
    out = subprocess.run([sys.executable, "-m", "playground", "train", str(path), "--epochs", "1", "--output",
                          str(tmp_path / "run"), "--quiet"], capture_output=True, text=True, cwd=tmp_path.parent)
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"] >= 300   # it resumed


def test_a_model_built_in_code_trains_as_playground_train_trains_its_saved_project(tmp_path):
    x, y = table(200)
    model = Sequential([layers.Dense(12, activation="relu", input_dim=8), layers.Dense(8, activation="relu"),
                        layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss="binary_crossentropy")
    first = Sequential([layers.Dense(12, activation="relu", input_dim=8), layers.Dense(8, activation="relu"),
                        layers.Dense(1, activation="sigmoid")])
    first.compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss="binary_crossentropy")
    history = first.fit(x, y, epochs=15, batch_size=16, validation_split=0.25, verbose=0)
    path = first.save(tmp_path / "table.json")
    raw = json.loads(path.read_text())
    raw.pop("state")                                       # train it afresh from the file
    fresh = tmp_path / "fresh.json"
    fresh.write_text(json.dumps(raw))
    (tmp_path / "fresh.npz").write_bytes((tmp_path / "table.npz").read_bytes())
    raw["data"]["path"] = "fresh.npz"
    fresh.write_text(json.dumps(raw))
    result = subprocess.run([sys.executable, "-m", "playground", "train", str(fresh), "--output",
                             str(tmp_path / "run"), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = (tmp_path / "run" / "history.csv").read_text().splitlines()
    header = rows[0].split(",")
    losses = [float(r.split(",")[header.index("train_loss")]) for r in rows[1:]]
    val = [float(r.split(",")[header.index("test_loss")]) for r in rows[1:]]
    measured = np.isfinite(val)   # the command line measures a table's validation rows now and then
    assert measured.sum() >= 2 and np.allclose(losses, history.history["loss"], rtol=1e-5)
    assert np.allclose(np.array(val)[measured], np.array(history.history["val_loss"])[measured], rtol=1e-5)
    assert raw["training"]["optimizer"] == "momentum"   # momentum 0.9 is its default: written as the bare name
    assert raw["training"]["batch_size"] == 16 and raw["training"]["shuffle"] is True


def test_validation_split_takes_the_last_rows_and_validation_data_is_used_as_given():
    x, y = table(100)
    model = xor_like = Sequential([layers.Dense(4, activation="tanh", input_dim=8), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    dataset = model._trainer.dataset
    assert np.array_equal(dataset.x_test, x[80:]) and np.array_equal(dataset.x_train, x[:80])
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[80:], y[80:])[0], rel=1e-5)
    history = xor_like.fit(x[:50], y[:50], epochs=1, validation_data=(x[50:], y[50:]), verbose=0)
    assert np.array_equal(model._trainer.dataset.x_test, x[50:])
    assert set(model.fit(x, y, epochs=1, verbose=0).history) == {"loss", "accuracy"}


def test_callbacks_early_stopping_scheduler_checkpoint_and_a_custom_one(tmp_path):
    x, y = table(200)
    model = Sequential([layers.Dense(8, activation="tanh", input_dim=8), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.5), loss="binary_crossentropy")

    class Seen(callbacks.Callback):
        def __init__(self):
            self.epochs, self.rates = [], []

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(epoch)
            self.rates.append(self.model.learning_rate)

    seen = Seen()
    stop = callbacks.EarlyStopping(monitor="loss", patience=2, min_delta=10.0)    # nothing improves by 10
    schedule = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    keep = callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}.json"))
    history = model.fit(x, y, epochs=50, callbacks=[schedule, stop, keep, seen], verbose=0)
    assert seen.epochs == [0, 1, 2] and len(history.history["loss"]) == 3 and stop.stopped_epoch == 2
    assert seen.rates == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert sorted(p.name for p in tmp_path.glob("m-*.json")) == ["m-01.json", "m-02.json", "m-03.json"]
    assert load_model(tmp_path / "m-02.json").predict(x).shape == (200, 1)


def test_ctrl_c_stops_cleanly_and_keeps_the_weights():
    model = xor_model()

    class Interrupt(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 4:
                raise KeyboardInterrupt

    history = model.fit(XOR_X, XOR_Y, epochs=100, batch_size=4, callbacks=[Interrupt()], verbose=0,
                        validation_data=(XOR_X, XOR_Y))
    assert len(history.history["loss"]) == 5 and model._trainer.epoch == 5
    assert model.evaluate(XOR_X, XOR_Y)[0] == pytest.approx(history.history["val_loss"][-1], rel=1e-5)


def test_losses_optimizers_regularizers_and_initializers_mean_what_keras_says():
    x, y = table(120)
    onehot = np.eye(2)[y]
    model = Sequential([layers.Dense(6, activation="relu", input_dim=8, kernel_regularizer=l2(0.01),
                                     kernel_initializer="he_normal"),
                        layers.Dense(2, activation="softmax", kernel_regularizer=l2(0.01))])
    model.compile(optimizer=SGD(learning_rate=0.1, momentum=0.5, nesterov=True), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, onehot, epochs=2, verbose=0)
    training = model._project.training
    assert training.loss["name"] == "cross_entropy" and training.optimizer["name"] == "nesterov"
    assert (training.regularization, training.regularization_rate) == ("l2", 0.02)   # Keras's λΣw² is ½·(2λ)Σw²
    assert model._project.model.layers[0].params["init"]["name"] == "he_normal"
    assert model._project.model.layers[1].params["bias_init"]["name"] == "zeros"
    assert model.predict(x).sum(axis=1) == pytest.approx(np.ones(120), abs=1e-5)
    regression = Sequential([layers.Dense(1, input_dim=8)])
    regression.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = regression.fit(x, x[:, 0] * 2, epochs=3, verbose=0, validation_split=0.5)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert regression._project.data.task == "regression"


def test_what_is_not_supported_is_refused_by_name():
    with pytest.raises(TypeError, match="'kernel_constraint'"):
        layers.Dense(3, kernel_constraint="max_norm")
    with pytest.raises(TypeError, match="'attention_axes'"):
        layers.MultiHeadAttention(2, 8, attention_axes=(1,))
    with pytest.raises(TypeError, match="use tanh"):
        layers.SimpleRNN(8, activation="relu")
    with pytest.raises(TypeError, match="only square sizes"):
        layers.Conv2D(8, (3, 5))
    with pytest.raises(TypeError, match="activation 'selu' is not supported"):
        layers.Dense(3, activation="selu")
    model = xor_model()
    with pytest.raises(TypeError, match="'class_weight'"):
        model.fit(XOR_X, XOR_Y, class_weight={0: 1})
    with pytest.raises(TypeError, match="loss 'kld'"):
        model.compile(optimizer="adam", loss="kld")
    with pytest.raises(TypeError, match="optimizer 'adamax'"):
        model.compile(optimizer="adamax", loss="mse")
    with pytest.raises(ValueError, match="takes targets 0 and 1"):
        model.fit(XOR_X, np.array([0, 1, 2, 0]), verbose=0)
    with pytest.raises(ValueError, match="has 3 features per row; the model takes 2"):
        model.fit(np.zeros((4, 3)), XOR_Y, verbose=0)
    with pytest.raises(RuntimeError, match="fit it first"):
        xor_model().predict(XOR_X)


def test_the_functional_form_builds_a_graph_with_a_skip_connection():
    inputs = Input((2,))
    hidden = layers.Dense(8, activation="tanh", name="h1")(inputs)
    deeper = layers.Dense(8, activation="tanh")(hidden)
    joined = layers.Add()([hidden, deeper])
    wide = layers.Concatenate()([joined, inputs])
    outputs = layers.Dense(1, activation="sigmoid")(wide)
    model = Model(inputs, outputs)
    model.compile(optimizer=Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    (x, y), (xt, yt) = datasets.spiral.load_data(samples=200, features=("x1", "x2"))
    assert x.shape == (100, 2) and set(np.unique(y)) == {0, 1}
    model.fit(x, y, epochs=5, verbose=0)
    spec = model._project.model
    assert not spec.is_chain and [layer.type for layer in spec.layers] == ["dense", "dense", "add", "concatenate", "dense"]
    assert spec.layers[3].inputs == ["add_1", "input"]
    assert model.predict(xt).shape == (100, 1)


def test_a_run_folder_from_the_command_line_comes_back_into_code(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "playground", "train", str(EXAMPLES / "spiral.json"), "--epochs",
                             "5", "--output", str(out), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    model = load_model(out)
    (x, y), (xt, yt) = datasets.spiral.load_data(features=model._project.data.features)
    assert model.predict(x).shape == (len(x), 1)
    loss, accuracy = model.evaluate(xt, yt)
    metrics = json.loads((out / "metrics.json").read_text())
    assert loss == pytest.approx(metrics["test_loss"], rel=1e-5) and accuracy == pytest.approx(metrics["test_accuracy"])


def test_show_opens_the_window_on_the_saved_model(monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda args: started.append(args) or "process")
    model = xor_model()
    model.fit(XOR_X, XOR_Y, epochs=2, verbose=0)
    assert model.show() == "process"
    assert started[0][1:3] == ["-m", "playground"] and started[0][3].endswith(".json")
    assert load_model(started[0][3]).predict(XOR_X).shape == (4, 1)


def test_a_dense_network_on_a_table_trains_on_the_fast_path():
    x, y = table(300)
    model = Sequential([layers.Dense(12, activation="tanh", input_dim=8), layers.Dense(1, activation="tanh")])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y.astype("float32"), epochs=3, verbose=0)
    model._trainer.fast_path_ready(wait=60)
    model.fit(x, y.astype("float32"), epochs=3, verbose=0)
    assert model._trainer.path.startswith("fast path")


def test_images_come_channels_last_as_keras_gives_them_and_train_a_cnn():
    (x, y), (xt, yt) = datasets.digits.load_data()
    assert x.shape[1:] == (8, 8) and x.dtype == np.uint8
    model = Sequential([layers.Conv2D(8, 3, activation="relu", input_shape=(8, 8, 1)),   # Keras: padding valid
                        layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[..., None] / 16.0, y, epochs=3, batch_size=32, validation_data=(xt / 16.0, yt), verbose=0)
    spec = model._project.model.layers
    assert [layer.type for layer in spec] == ["conv2d", "max_pool2d", "flatten", "dense"]
    assert spec[0].params["padding"] == "valid" and model._project.data.dataset == "image_arrays"
    assert model._trainer.dataset.x_train.shape[1:] == (1, 8, 8)                 # held channels first
    assert history.history["val_accuracy"][-1] > 0.6
    assert model.predict(xt[:5] / 16.0).shape == (5, 10)                        # N × H × W: grey images
    with pytest.raises(ValueError, match="channels last"):
        model.predict(np.zeros((2, 8, 8, 5)))


def test_mnist_and_cifar_files_come_back_as_keras_gives_them(tmp_path):
    from tests.core.test_readers import cifar_folder, mnist_folder

    folder, _ = mnist_folder(tmp_path, n_train=12, n_test=5)
    (x, y), (xt, yt) = datasets.mnist.load_data(str(folder))
    assert x.shape == (12, 28, 28) and xt.shape == (5, 28, 28) and x.dtype == np.uint8 and y.dtype == np.int64
    (x, y), (xt, yt) = datasets.cifar10.load_data(str(cifar_folder(tmp_path, records=6)))
    assert x.shape[1:] == (32, 32, 3) and len(x) + len(xt) > 0
    with pytest.raises(ValueError, match="no such file|cannot|not"):
        datasets.mnist.load_data(str(tmp_path / "nothing-here"))


def test_sequences_and_token_ids_train_recurrent_layers_with_return_sequences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6, 3)).astype("float32")
    y = x[:, :, 0].sum(axis=1)
    model = Sequential([layers.SimpleRNN(8, return_sequences=True, input_shape=(6, 3)), layers.LSTM(4), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
    spec = model._project.model.layers
    assert [(layer.type, layer.params.get("output")) for layer in spec] == [("rnn", "sequence"), ("lstm", "last"),
                                                                            ("dense", None)]
    assert model._project.data.dataset == "sequence_arrays" and model._project.data.task == "regression"
    assert model.predict(x[:4]).shape == (4, 1)
    tokens = rng.integers(0, 10, size=(200, 8))
    parity = tokens.sum(axis=1) % 2
    model = Sequential([layers.Embedding(10, 4, input_length=8), layers.GRU(8), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(tokens, parity, epochs=2, verbose=0)
    assert model._trainer.dataset.x_train.shape == (200, 8, 1) and len(history.history["accuracy"]) == 2
    assert model._project.model.layers[0].params == {"vocabulary": 10, "dim": 4}
    with pytest.raises(ValueError, match="N × steps"):
        model.predict(np.zeros((2, 8, 3, 1)))


def test_multi_head_attention_is_self_attention_whose_heads_share_the_features():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 5, 8)).astype("float32")
    y = x[:, -1, 0]
    inputs = Input((5, 8))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    outputs = layers.Dense(1)(layers.LSTM(4)(attended))
    model = Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert model._project.model.layers[0].type == "self_attention" and model._project.model.layers[0].params["heads"] == 2
    wrong = Sequential([layers.MultiHeadAttention(num_heads=2, key_dim=3, input_shape=(5, 8)), layers.Flatten(),
                        layers.Dense(1)])
    wrong.compile(optimizer="adam", loss="mse")
    with pytest.raises(TypeError, match="key_dim × num_heads must be 8"):
        wrong.fit(x, y, epochs=1, verbose=0)


def test_every_other_layer_optimizer_loss_and_fit_argument_maps_as_documented(tmp_path, capsys):
    from playground.keras import Adagrad, AdamW, RMSprop

    x, y = table(64)
    model = Sequential([layers.Dense(6, input_dim=8), layers.Activation("relu"), layers.BatchNormalization(momentum=0.9,
                        epsilon=0.01), layers.Dropout(0.25), layers.LayerNormalization(epsilon=0.001),
                        layers.Dense(1, activation="tanh")])
    expectations = [(RMSprop(learning_rate=0.002, rho=0.8), {"name": "rmsprop", "alpha": 0.8}, 0.002),
                    (Adagrad(learning_rate=0.05), {"name": "adagrad"}, 0.05),
                    (AdamW(weight_decay=0.1), {"name": "adamw", "weight_decay": 0.1}, 0.001),
                    ("sgd", {"name": "sgd"}, 0.01)]
    for optimizer, wanted, rate in expectations:
        model.compile(optimizer=optimizer, loss="hinge", metrics=["accuracy"])
        model.fit(x, y, epochs=1, verbose=0, shuffle=False)
        training = model._project.training
        assert all(training.optimizer[k] == v for k, v in wanted.items()) and training.learning_rate == rate
    spec = model._project.model.layers
    assert [layer.type for layer in spec] == ["dense", "activation", "batch_norm", "dropout", "layer_norm", "dense"]
    assert spec[2].params == {"momentum": pytest.approx(0.1), "eps": 0.01} and spec[3].params["rate"] == 0.25
    assert model._project.training.loss["name"] == "hinge" and model._project.training.shuffle is False
    for loss, name in (("mae", "mae"), ("huber", "huber"), ("mean_squared_error", "mse")):
        model.compile(optimizer="sgd", loss=loss, metrics=["mse"])
        history = model.fit(x, y.astype("float32"), epochs=1, verbose=2)
        assert model._project.training.loss["name"] == name and "mse" in history.history
    assert "Epoch 1/1 - loss:" in capsys.readouterr().out
    model.compile(optimizer="sgd", loss="mse")
    assert isinstance(model.evaluate(x, y), float)                                   # no metrics: a scalar
    model.fit(x, y, epochs=2, verbose=1)
    assert "epoch" in capsys.readouterr().err                                        # tqdm's bar
    images = Sequential([layers.AveragePooling2D(pool_size=2, strides=1, input_shape=(4, 4, 1)), layers.Flatten(),
                         layers.Dense(2, activation="softmax")])
    images.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    images.fit(np.random.default_rng(0).random((20, 4, 4, 1)), np.arange(20) % 2, epochs=1, verbose=0)
    pool = images._project.model.layers[0]
    assert (pool.type, pool.params["kernel"], pool.params["stride"]) == ("avg_pool2d", 2, 1)
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.json"), monitor="val_loss", save_best_only=True)
    images.fit(np.random.default_rng(1).random((20, 4, 4, 1)), np.arange(20) % 2, epochs=3, verbose=0,
               validation_split=0.5, callbacks=[best])
    assert (tmp_path / "best.json").is_file() and best.best is not None
