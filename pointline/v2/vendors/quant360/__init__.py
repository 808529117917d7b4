"""Quant360 China A-share Level 2/3: 7z archive handoff to Bronze, and the Bronze parsers.

``QUANT360`` is the vendor plug (see :mod:`pointline.v2.vendors.base`);
:func:`~pointline.v2.vendors.quant360.upstream.import_archives` turns delivered ``.7z``
archives into per-symbol ``.csv.gz`` Bronze files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pointline.v2.vendors.quant360.vendor import QUANT360, Quant360Vendor

if TYPE_CHECKING:
    from pointline.v2.vendors.quant360.upstream import ArchiveOutcome, ImportReport, import_archives

__all__ = ["QUANT360", "ArchiveOutcome", "ImportReport", "Quant360Vendor", "import_archives"]


def __getattr__(name: str) -> Any:
    # The archive handoff needs py7zr; parsing Bronze files does not, so it is imported lazily.
    if name in ("ArchiveOutcome", "ImportReport", "import_archives"):
        from pointline.v2.vendors.quant360 import upstream

        return getattr(upstream, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
