"""Makes ``pytest scenarios`` the conformance suite: one item per scenario x runtime."""

pytest_plugins = ["conformance._parent.pytest_plugin"]
