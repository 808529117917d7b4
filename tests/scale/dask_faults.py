"""The Dask worker plugin installing a fault of :mod:`tests.scale.faults` in every worker,
restarted ones included (a plugin is run again in a worker the nanny starts anew)."""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from tests.scale import faults


class FaultPlugin(WorkerPlugin):
    name = "pointline-test-fault"

    def __init__(self, fault: str, argument: str):
        self.fault = fault
        self.argument = argument

    def setup(self, worker) -> None:
        faults.install(self.fault, self.argument)

    def teardown(self, worker) -> None:
        faults.restore()
