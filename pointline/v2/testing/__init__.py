"""In-memory implementations of the four storage Protocols, with failure switches.

For tests of code written against :mod:`pointline.v2.storage.contracts`: each fake behaves
like its Delta adapter (same checks, same errors, same row mapping; ``tests/contracts`` runs
one suite over both) and has a
:class:`FailureSwitch` at ``store.failures`` to make its n-th call of a method fail before
or after its write::

    store = InMemoryEventStore()
    store.failures.fail_on_call("replace_file", 1, after_write=True)
"""

from pointline.v2.testing.dimension_store import InMemoryDimensionStore
from pointline.v2.testing.event_store import InMemoryEventStore
from pointline.v2.testing.failures import FailureSwitch
from pointline.v2.testing.manifest_store import InMemoryManifestStore
from pointline.v2.testing.quarantine_store import InMemoryQuarantineStore

__all__ = [
    "FailureSwitch",
    "InMemoryDimensionStore",
    "InMemoryEventStore",
    "InMemoryManifestStore",
    "InMemoryQuarantineStore",
]
