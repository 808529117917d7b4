"""The ``pointline`` command line: a thin layer over :class:`pointline.v2.Lake`.

``main`` is the console script; ``cli`` is the click group (for ``CliRunner`` in tests).
"""

from pointline.cli.app import cli, main

__all__ = ["cli", "main"]
