"""Neural Playground: build, train and export small neural networks, with a Qt-free core."""

__version__ = "0.1.0"
