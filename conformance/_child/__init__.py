"""The cell's child process (``python -m conformance._child``): set the runtime up first, run the
scenario body with a heartbeat, write the result.

Nothing here imports the parent's side (``conformance._parent``), the report or the helper processes:
the child talks to its parent through the job file, the result file and the control pipe only, whose
formats are the data model's. Until the runtime is set up it imports only light standard library
modules, so this ``__init__`` stays empty.
"""
