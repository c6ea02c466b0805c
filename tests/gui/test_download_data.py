"""Downloading a data set from the window: from a local mirror the files arrive in the data
folder and training switches to them; a slow download can be cancelled; an unreachable mirror is a
message saying where to put the files. The window stays usable throughout."""

import http.server
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from playground.core.data.images import MNIST_FILES
from tests.conftest import http_mirror
from tests.core.test_readers import mnist_folder


class SlowHandler(http.server.BaseHTTPRequestHandler):
    """Promises 50 MB and trickles it: a download that is still running when the person cancels."""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(50 * 2**20))
        self.end_headers()
        try:
            for _ in range(400):
                self.wfile.write(b"\0" * 65536)
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client went away: cancelled

    def log_message(self, *args):
        pass


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "neural-playground" / "data"


def test_download_mnist_from_the_menu_and_train_on_it(window, qtbot, tmp_path, data_home):
    served, _ = mnist_folder(tmp_path, n_train=20, n_test=10, compress=True)
    with http_mirror(served) as url:
        window.download_url = url
        action = window.findChild(type(window.play_action), "download_fashion-mnist")
        action.trigger()
        qtbot.waitUntil(lambda: window.document.project.data.dataset == "mnist", timeout=20000)
    folder = data_home / "fashion-mnist"
    assert window.document.project.data.path == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.gz" for s in MNIST_FILES.values())
    # the files are read on the training thread; then the editor shows their shape and the window
    # says that the dense network must be flattened first
    qtbot.waitUntil(lambda: "images 1×28×28" in window.editor.input_card.label.text(), timeout=20000)
    assert "dense needs flat features" in window.banner.text() and not window.play_action.isEnabled()
    # the data panel offers the download for this data set too
    assert window.data_panel.download.isVisibleTo(window.data_panel)
    titles = [a.text() for a in window.data_panel.download.menu().actions()]
    assert titles == ["MNIST (digits)…", "Fashion-MNIST (clothes)…", "KMNIST (Japanese characters)…"]
    # and the switch is an ordinary edit: undo goes back to the circle
    window.undo_action.trigger()
    assert window.document.project.data.dataset == "circle"


def test_a_slow_download_can_be_cancelled(window, qtbot, data_home):
    with http_mirror(handler=SlowHandler) as url:
        window.download_url = url
        window.download_data("cifar10", "cifar10", "CIFAR-10")
        dialog = window._download[1]
        qtbot.waitUntil(lambda: "MiB" in dialog.labelText(), timeout=10000)
        assert window.play_action.isEnabled()  # the window is not blocked
        qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)  # Cancel
        qtbot.waitUntil(lambda: window._download is None, timeout=10000)
    assert "cancelled" in window.banner.text()
    assert window.document.project.data.dataset == "circle"
    assert not list((data_home / "cifar10").glob("*.partial"))
    assert not list((data_home / "cifar10").glob("*.tar.gz"))


def test_offline_says_where_to_put_the_files(window, qtbot, data_home):
    with http_mirror(handler=SlowHandler) as url:
        pass  # nothing listens there any more
    window.download_url = url
    window.download_data("mnist", "kmnist", "KMNIST")
    qtbot.waitUntil(lambda: window._download is None, timeout=20000)
    text = window.banner.text()
    assert "could not download" in text and "put them in" in text and str(data_home / "kmnist") in text
    assert window.document.project.data.dataset == "circle" and window.play_action.isEnabled()
