"""Benchmarks (`playground bench`): training speed against bare loops, and the window's."""
