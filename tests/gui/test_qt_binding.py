"""Guards against a Qt binding that corrupts reference counts (PySide6 6.12.0 did: every signal
emit dropped a reference to True, and Python 3.11 aborted at exit)."""

import sys

from PySide6.QtCore import QObject, Signal


class _Sender(QObject):
    fired = Signal(object)


def test_emitting_signals_keeps_reference_counts(qapp):
    sender = _Sender()
    received = []
    sender.fired.connect(received.append)
    true_refs, none_refs = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(500):
        sender.fired.emit(None)
    assert len(received) == 500
    assert sys.getrefcount(True) >= true_refs - 5
    assert sys.getrefcount(None) >= none_refs - 5
