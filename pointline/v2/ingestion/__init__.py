"""The function-first ingestion pipeline. It depends on the storage contracts only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pointline.v2.ingestion.pipeline import ingest_file

__all__ = ["ingest_file"]


def __getattr__(name: str) -> Any:
    # Lazy: the contracts import ingestion.models, so importing the pipeline eagerly here
    # would make `import pointline.v2.storage.contracts` circular.
    if name == "ingest_file":
        from pointline.v2.ingestion.pipeline import ingest_file

        return ingest_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
