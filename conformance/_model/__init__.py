"""The data model: plain data and its rules, read by every process of the suite.

Outcomes, cells and run documents, scenarios and their settings, expectations and verdicts, bench
settings, the control pipe's messages, how an outcome looks. It imports nothing of the engine but the
runtime registry, and nothing heavy at import: the cell's child reads it before a runtime patches the
standard library. (tests/test_layers.py holds every role to its imports.)
"""
