"""Files dragged from a file manager onto the window: a project opens, a CSV table or a data
folder becomes the data set, anything else is a message."""

import json

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from tests.conftest import project_dict
from tests.core.test_readers import image_folder, mnist_folder


def drop_on(window, path) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    return event


def test_dropping_a_project_opens_it(window, qtbot, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(project_dict("xor")))
    with qtbot.waitSignal(window.projectOpened, timeout=10000):
        drop_on(window, path)
    assert window.document.path == path and window.document.project.data.dataset == "xor"


def test_dropping_data_makes_it_the_data_set(window, qtbot, tmp_path):
    def data():
        return window.document.project.data

    table = tmp_path / "t.csv"
    table.write_text("a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,z\n")
    drop_on(window, table)
    qtbot.waitUntil(lambda: data().dataset == "csv" and data().path == str(table), timeout=10000)
    folder, _ = mnist_folder(tmp_path, size=10)
    drop_on(window, folder)
    qtbot.waitUntil(lambda: data().dataset == "mnist" and data().path == str(folder), timeout=10000)
    shapes = image_folder(tmp_path / "pictures")
    drop_on(window, shapes)
    qtbot.waitUntil(lambda: data().dataset == "folder", timeout=10000)
    window.undo_action.trigger()
    assert data().dataset == "mnist"


def test_dropping_something_else_is_a_message(window, qtbot, tmp_path):
    other = tmp_path / "notes.docx"
    other.write_bytes(b"PK\x03\x04")
    drop_on(window, other)
    qtbot.waitUntil(lambda: "Cannot open notes.docx" in window.banner.text(), timeout=10000)
    assert window.document.project.data.dataset == "circle"
    locked = tmp_path / "locked"  # a folder that cannot be looked into: a message, not a crash
    locked.mkdir()
    fifo = tmp_path / "pipe.json"
    import os
    os.mkfifo(fifo)
    drop_on(window, fifo)
    qtbot.waitUntil(lambda: "Cannot open pipe.json" in window.banner.text(), timeout=10000)


def test_help_shows_versions_devices_and_every_shortcut(window):
    import torch

    window.findChild(object, "aboutAction").trigger()
    text = window.help_box.text()
    assert f"torch {torch.__version__}" in text and "Qt 6." in text and "<b>cpu</b>" in text
    window.help_box.close()
    window.findChild(object, "shortcutsAction").trigger()
    text = window.help_box.text()
    for name in ("Save", "Undo", "Play", "Step one epoch", "Revert to best"):
        assert name in text, name
    assert "Ctrl+B" in text and "Space" in text
    window.help_box.close()
