"""The Quant360 archive handoff: ``.7z`` deliveries -> per-symbol ``.csv.gz`` Bronze files.

See :func:`import_archives`; the ledger, extraction and publishing steps live in their own
modules (``ledger``, ``extract``, ``publish``).
"""

from pointline.v2.vendors.quant360.upstream.importer import (
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    discover_archives,
    import_archives,
)
from pointline.v2.vendors.quant360.upstream.models import (
    ArchiveOutcome,
    ArchiveRejectedError,
    ArchiveStatus,
    ImportReport,
)

__all__ = [
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "ArchiveOutcome",
    "ArchiveRejectedError",
    "ArchiveStatus",
    "ImportReport",
    "discover_archives",
    "import_archives",
]
