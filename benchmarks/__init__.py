"""Benchmark scripts (JSON results) and the research engines that no plan runs.

Installed with the project (editable) so that ``python benchmarks/NAME.py`` and the tests
import ``benchmarks.engines`` like any other package, without touching ``sys.path``.
"""
