"""Experiments: hyper-parameter search on Optuna (space.py: the search file's `search` section,
validated against the project and applied to it; study.py: trials as run folders in an Optuna
journal; runs.py: the table of a search's trials). No Qt."""
