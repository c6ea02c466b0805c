"""The Qt-free engine: specs, registry, shape inference, data, training, probes and export.

Nothing in this package imports Qt; it runs headless and is what the CLI and the GUI both drive.
"""
