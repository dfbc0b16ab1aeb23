"""``python -m conformance``: the same as the ``conformance`` command."""

import sys

from conformance._parent.cli import main

sys.exit(main())
