"""Readers of data files: good files load, and every malformed one (truncated, wrong magic number,
wrong sizes, NaN, ragged, a pickle in disguise) fails with the app's own error, before allocating."""

import gzip
import io
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.data import images, table
from playground.core.data.files import read_idx, read_npz
from playground.core.errors import PlaygroundError

LIMIT = 2**20


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    dtype = {0x08: ">u1", 0x0D: ">f4", 0x0C: ">i4"}[code]
    return (bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
            + array.astype(dtype).tobytes())


def mnist_folder(tmp_path, n_train=12, n_test=5, compress=False, size=28):
    rng = np.random.default_rng(0)
    folder = tmp_path / "mnist"
    folder.mkdir()
    arrays = {"x_train": rng.integers(0, 256, (n_train, size, size)), "y_train": rng.integers(0, 10, n_train),
              "x_test": rng.integers(0, 256, (n_test, size, size)), "y_test": rng.integers(0, 10, n_test)}
    for key, stem in images.MNIST_FILES.items():
        data = idx_bytes(arrays[key])
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return folder, arrays


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_idx_files_load(tmp_path, compress):
    folder, arrays = mnist_folder(tmp_path, compress=compress)
    loaded = images.load_mnist_format(folder)
    assert loaded.x_train.shape == (12, 1, 28, 28) and loaded.x_test.shape == (5, 1, 28, 28)
    np.testing.assert_array_equal(loaded.x_train[:, 0], arrays["x_train"])
    np.testing.assert_array_equal(loaded.y_test, arrays["y_test"])


def test_mnist_npz_loads(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "fashion.npz"
    np.savez(path, x_train=rng.integers(0, 256, (8, 28, 28), dtype=np.uint8), y_train=np.arange(8) % 10,
             x_test=rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), y_test=np.arange(4))
    loaded = images.load_mnist_format(path)
    assert loaded.x_train.shape == (8, 1, 28, 28) and list(loaded.y_test) == [0, 1, 2, 3]


@pytest.mark.parametrize("damage,words", [
    (lambda b: b[:-7], "truncated"),
    (lambda b: b + b"\x00", "data after"),
    (lambda b: b"\x00\x01" + b[2:], "wrong magic number"),
    (lambda b: b[:2] + b"\x42" + b[3:], "wrong magic number"),
    (lambda b: b[:4] + struct.pack(">I", 10**9) + b[8:], "more than the data budget"),
    (lambda b: b[:4] + struct.pack(">I", 13) + b[8:], "truncated"),
    (lambda b: b[:2], "truncated"),
])
def test_damaged_idx_files_are_refused(tmp_path, damage, words):
    good = idx_bytes(np.arange(12 * 4 * 4).reshape(12, 4, 4) % 256)
    path = tmp_path / "x.idx"
    path.write_bytes(damage(good))
    with pytest.raises(PlaygroundError, match=words):
        read_idx(path, LIMIT)


def test_a_gzip_bomb_is_refused_by_its_declared_size(tmp_path):
    header = bytes([0, 0, 8, 1]) + struct.pack(">I", 2**31)
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(header + b"\x00" * 2**20))
    with pytest.raises(PlaygroundError, match="more than the data budget"):
        read_idx(path, LIMIT)


def test_idx_floats_with_nan_are_refused(tmp_path):
    path = tmp_path / "f.idx"
    path.write_bytes(idx_bytes(np.array([1.0, np.nan, 2.0]), 0x0D))
    with pytest.raises(PlaygroundError, match="NaN"):
        read_idx(path)


def test_mismatched_mnist_files_are_refused(tmp_path):
    folder, arrays = mnist_folder(tmp_path)
    (folder / images.MNIST_FILES["y_train"]).write_bytes(idx_bytes(np.zeros(11)))
    with pytest.raises(PlaygroundError, match="11 labels for 12 images"):
        images.load_mnist_format(folder)
    (folder / images.MNIST_FILES["y_train"]).unlink()
    with pytest.raises(PlaygroundError, match="has no train-labels-idx1-ubyte"):
        images.load_mnist_format(folder)


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_npz_object_arrays_and_missing_keys_are_refused(tmp_path):
    path = tmp_path / "a.npz"
    path.write_bytes(npz_bytes(x=np.array([{"a": 1}], dtype=object)))
    with pytest.raises(PlaygroundError, match="only numbers"):
        read_npz(path, ("x",))
    with pytest.raises(PlaygroundError, match="has no array y"):
        read_npz(path, ("y",))


def test_npz_declaring_a_huge_array_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros(3, dtype=np.float64))
    header["shape"] = (10**12,)
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", stream.getvalue() + b"\x00" * 24)
    with pytest.raises(PlaygroundError, match="more than the data budget"):
        read_npz(path, ("x",), LIMIT)


def cifar_folder(tmp_path, records=6):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(2)
    for name in images.CIFAR_TRAIN[:2] + [images.CIFAR_TEST]:
        data = rng.integers(0, 256, (records, images.CIFAR_RECORD), dtype=np.uint8)
        data[:, 0] %= 10
        (folder / name).write_bytes(data.tobytes())
    return folder


def test_cifar_binary_batches_load(tmp_path):
    folder = cifar_folder(tmp_path)
    loaded = images.load_cifar10(tmp_path)  # the parent of cifar-10-batches-bin works too
    assert loaded.x_train.shape == (12, 3, 32, 32) and loaded.x_test.shape == (6, 3, 32, 32)
    raw = np.frombuffer((folder / images.CIFAR_TEST).read_bytes(), dtype=np.uint8).reshape(6, -1)
    np.testing.assert_array_equal(loaded.y_test, raw[:, 0])
    np.testing.assert_array_equal(loaded.x_test[2, 1].ravel(), raw[2, 1 + 1024:1 + 2048])


def test_damaged_cifar_batches_are_refused(tmp_path):
    folder = cifar_folder(tmp_path)
    path = folder / images.CIFAR_TEST
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(PlaygroundError, match="whole number of CIFAR-10 records"):
        images.load_cifar10(folder)
    data = bytearray(np.zeros(images.CIFAR_RECORD, np.uint8).tobytes())
    data[0] = 12
    path.write_bytes(bytes(data))
    with pytest.raises(PlaygroundError, match="label 12"):
        images.load_cifar10(folder)


def test_cifar_python_batches_are_refused_without_unpickling(tmp_path):
    import pickle

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(pickle.dumps({"data": [1, 2, 3]}))
    with pytest.raises(PlaygroundError, match="python batches, which are pickles.*binary version"):
        images.load_cifar10(folder)


def test_the_shipped_digits_load():
    digits = images.load_digits()
    assert digits.x_train.shape == (1797, 1, 8, 8) and digits.peak == 16
    assert np.bincount(digits.y_train).tolist()[:3] == [178, 182, 177]


# ------------------------------------------------------------------------------------------ CSV

def write(tmp_path, text: str, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_numbers_and_categories_are_encoded(tmp_path):
    path = write(tmp_path, "size,colour,kind\n1.5,red,a\n2.5,blue,b\n3.5,red,a\n0.5,green,b\n")
    encoded = table.encode(table.read_csv(path), "kind", [], "classification")
    assert encoded.feature_names == ["size", "colour=blue", "colour=green", "colour=red"]
    np.testing.assert_array_equal(encoded.x[0], [1.5, 0, 0, 1])
    assert encoded.classes == ["a", "b"] and encoded.y.tolist() == [0, 1, 0, 1]
    assert encoded.numeric.tolist() == [True, False, False, False]
    regression = table.encode(table.read_csv(path), "size", ["colour"], "regression")
    assert regression.y.tolist() == [1.5, 2.5, 3.5, 0.5]


def test_csv_semicolons_and_numeric_classes_sort_by_value(tmp_path):
    path = write(tmp_path, "a;label\n1;10\n2;9\n3;10\n")
    encoded = table.encode(table.read_csv(path), "label", [], "classification")
    assert encoded.classes == ["9", "10"] and encoded.y.tolist() == [1, 0, 1]


@pytest.mark.parametrize("text,target,task,words", [
    ("", "y", "classification", "is empty"),
    ("a,y\n", "y", "classification", "at least 2 are needed"),
    ("a,y\n1,2\n3\n", "y", "classification", "row 3 has 1 values, the header has 2"),
    ("a,y\n1,x\n2,y\n", "why", "classification", "no column 'why'"),
    ("a,y\n1,x\nnan,y\n", "y", "classification", "row 3, column 'a' is 'nan'"),
    ("a,y\n1,x\n,y\n", "y", "classification", "row 3, column 'a' is empty"),
    ("a,y\n1,cat\n2,dog\n", "y", "regression", "text values; a regression needs numbers"),
    ("a,y\n1,same\n2,same\n", "y", "classification", "single value"),
    ("a,a\n1,2\n3,4\n", "a", "classification", "distinct, non-empty name"),
])
def test_bad_csv_files_say_what_is_wrong(tmp_path, text, target, task, words):
    path = write(tmp_path, text)
    with pytest.raises(PlaygroundError, match=words):
        table.encode(table.read_csv(path), target, [], task)


@pytest.mark.parametrize("cells,words", [
    (["1", "2", "hello", "4", "5"], "row 4, column 'a' is 'hello', but the column is mostly numbers"),
    (["1", "", "3", "4", "5"], "row 3, column 'a' is empty"),
    (["red", "", "blue", "red", "red"], "row 3, column 'a' is empty"),
    (["red", "1", "blue", "2", "3"], "row 2, column 'a' is 'red', but the column is mostly numbers"),
    ([f"word{i}" for i in range(150)], "more than 100 different values"),
    (["1", "inf", "3"], "row 3, column 'a' is 'inf'; only finite"),
])
def test_a_column_is_numeric_or_categorical_by_the_stated_rule(tmp_path, cells, words):
    labels = [str(i % 2) for i in range(len(cells))]
    path = write(tmp_path, "a,y\n" + "".join(f"{c},{y}\n" for c, y in zip(cells, labels)))
    with pytest.raises(PlaygroundError, match=words):
        table.encode(table.read_csv(path), "y", [], "classification")


def test_mostly_text_columns_are_categories_numbers_included(tmp_path):
    path = write(tmp_path, "size,y\nS,0\nM,1\nL,0\n42,1\nS,0\n")
    encoded = table.encode(table.read_csv(path), "y", [], "classification")
    assert encoded.feature_names == ["size=42", "size=L", "size=M", "size=S"]
    assert encoded.x[3].tolist() == [1, 0, 0, 0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=6, max_size=40), st.data())
def test_one_text_cell_among_numbers_is_named_wherever_it_is(tmp_path, numbers, data):
    at = data.draw(st.integers(0, len(numbers) - 1))
    word = data.draw(st.sampled_from(["hello", "n/a", "?", "1,5", "--"]))
    cells = [repr(v) for v in numbers]
    cells[at] = word
    text = "a;y\n" + "".join(f"{c};{i % 2}\n" for i, c in enumerate(cells))
    path = write(tmp_path, text)
    with pytest.raises(PlaygroundError) as err:
        table.encode(table.read_csv(path), "y", [], "classification")
    assert f"row {at + 2}, column 'a' is {word!r}" in str(err.value)


def test_binary_and_non_utf8_files_are_not_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00a\x00")
    with pytest.raises(PlaygroundError, match="not a text file|not UTF-8"):
        table.read_csv(path)


# ------------------------------------------------------------------------------------ properties

READERS = {
    "idx": lambda p: read_idx(p, LIMIT),
    "npz": lambda p: read_npz(p, ("x_train",), LIMIT),
    "npzc": lambda p: read_npz(p, ("x_train",), LIMIT),
    "csv": lambda p: table.encode(table.read_csv(p), "y", [], "classification"),
    "cifar": lambda p: images._cifar_batch(p),
}
SEEDS = {
    "idx": idx_bytes(np.arange(48).reshape(3, 4, 4)),
    "npz": npz_bytes(x_train=np.arange(12, dtype=np.uint8).reshape(3, 4)),
    "npzc": (lambda b: (np.savez_compressed(b, x_train=np.arange(300, dtype=np.int16)), b.getvalue())[1])(io.BytesIO()),
    "csv": b"a,b,y\n1,2,x\n3,4,z\n5,6,x\n",
    "cifar": bytes(images.CIFAR_RECORD),
}


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reader=st.sampled_from(sorted(READERS)), data=st.binary(max_size=600))
def test_random_bytes_raise_only_our_error(tmp_path, reader, data):
    path = tmp_path / f"random.{reader}"
    path.write_bytes(data)
    try:
        READERS[reader](path)
    except PlaygroundError:
        pass


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reader=st.sampled_from(sorted(READERS)), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                             min_size=1, max_size=6),
       cut=st.integers(0, 10**6))
def test_mutated_files_raise_only_our_error(tmp_path, reader, flips, cut):
    data = bytearray(SEEDS[reader])
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: max(1, cut % (len(data) + 1))]) if cut % 3 == 0 else bytes(data)
    path = tmp_path / f"mutated.{reader}"
    path.write_bytes(data)
    try:
        READERS[reader](path)
    except PlaygroundError:
        pass


# -------------------------------------------------------------------------------- image folders

def image_folder(tmp_path, per_class=3):
    from PIL import Image

    root = tmp_path / "shapes"
    rng = np.random.default_rng(3)
    for name, value in (("circles", 40), ("squares", 200)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(rng.normal(value, 10, (20, 30, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.{'png' if i % 2 else 'jpg'}")
    return root


def test_an_image_folder_loads_resized_one_class_per_sub_folder(tmp_path):
    root = image_folder(tmp_path)
    grey = images.load_image_folder(root, size=8, channels=1)
    assert grey.x_train.shape == (6, 1, 8, 8) and grey.class_names == ("circles", "squares")
    assert grey.y_train.tolist() == [0, 0, 0, 1, 1, 1]
    assert grey.x_train[:3].mean() < 80 < grey.x_train[3:].mean()
    colour = images.load_image_folder(root, size=5, channels=3)
    assert colour.x_train.shape == (6, 3, 5, 5)


def test_bad_image_folders_say_what_is_wrong(tmp_path):
    import pickle

    root = image_folder(tmp_path)
    (root / "squares" / "fake.png").write_bytes(b"not an image at all")
    with pytest.raises(PlaygroundError, match="squares/fake.png: not a readable PNG or JPEG"):
        images.load_image_folder(root)
    (root / "squares" / "fake.png").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(PlaygroundError, match="pickle"):
        images.load_image_folder(root)
    lonely = tmp_path / "lonely"
    (lonely / "only").mkdir(parents=True)
    with pytest.raises(PlaygroundError, match="at least two sub-folders"):
        images.load_image_folder(lonely)
    with pytest.raises(PlaygroundError, match="more than the data budget"):
        images.load_image_folder(image_folder(tmp_path / "big"), size=512, channels=3, budget=1000)


def test_zip_and_gzip_damage_found_by_fuzzing_is_our_error(tmp_path):
    """Regressions: an encrypted member, an unknown compression method, a damaged deflate stream."""
    good = npz_bytes(x_train=np.arange(200, dtype=np.uint8))
    path = tmp_path / "z.npz"
    central = good.index(b"PK\x01\x02")
    for offset, value in ((8, 1), (10, 99)):  # central directory: flag "encrypted"; compression method
        data = bytearray(good)
        data[central + offset] = value
        path.write_bytes(bytes(data))
        with pytest.raises(PlaygroundError):
            read_npz(path, ("x_train",))
    compressed = io.BytesIO()
    np.savez_compressed(compressed, x_train=np.arange(5000, dtype=np.uint16))
    data = bytearray(compressed.getvalue())
    for i in range(80, 140):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(PlaygroundError):
        read_npz(path, ("x_train",))
    gz = bytearray(gzip.compress(idx_bytes(np.arange(4000).reshape(40, 100) % 256)))
    for i in range(30, 60):
        gz[i] ^= 0xFF
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(gz))
    with pytest.raises(PlaygroundError):
        read_idx(bad)
