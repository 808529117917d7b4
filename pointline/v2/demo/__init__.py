"""The pointline demo: a small Bronze set in the vendors' formats, ingested into a lake.

``run_demo(lake_dir)`` generates the data (see :mod:`pointline.v2.demo.data`), seeds
dim_symbol, imports the Quant360 archives, ingests every Bronze file and returns a
:class:`DemoSummary`. ``pointline demo`` on the command line does the same and prints it.
"""

from pointline.v2.demo.runner import DemoFile, DemoSummary, run_demo

__all__ = ["DemoFile", "DemoSummary", "run_demo"]
