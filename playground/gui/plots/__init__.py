"""Live views fed with plain snapshots: loss curves and the decision boundary."""
