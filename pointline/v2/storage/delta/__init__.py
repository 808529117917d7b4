"""Delta Lake adapters of the storage contracts (the only package that imports deltalake).

=========================  =====================================  ===========================
adapter                    table                                  contract
=========================  =====================================  ===========================
``DeltaManifestStore``     ``<silver_root>/ingest_manifest``      ``ManifestStore``
``DeltaEventStore``        ``<silver_root>/<event table>``        ``FileReplacingEventStore``
``DeltaDimensionStore``    ``<silver_root>/dim_symbol``           ``DimensionStore``
``DeltaQuarantineStore``   ``<silver_root>/validation_log``       ``FileReplacingQuarantineStore``
=========================  =====================================  ===========================

:class:`LakeLayout` maps a lake root to these paths. Each adapter is a thin mapper over the
table helper :class:`~pointline.v2.storage.delta.table.Table` (cache, replacement, appends,
log upkeep), which touches files only through its
:class:`~pointline.v2.storage.delta.location.TableLocation`.
"""

from pointline.v2.storage.delta.dimension_store import DeltaDimensionStore
from pointline.v2.storage.delta.event_store import DeltaEventStore
from pointline.v2.storage.delta.layout import LakeLayout
from pointline.v2.storage.delta.manifest_store import DeltaManifestStore
from pointline.v2.storage.delta.quarantine_store import DeltaQuarantineStore

__all__ = [
    "DeltaDimensionStore",
    "DeltaEventStore",
    "DeltaManifestStore",
    "DeltaQuarantineStore",
    "LakeLayout",
]
