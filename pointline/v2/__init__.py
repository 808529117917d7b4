"""pointline v2: contracts, Delta adapters, the ingestion pipeline and the Lake entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pointline.v2.lake import Lake

__all__ = ["Lake"]


def __getattr__(name: str) -> Any:
    # Lazy so that importing a small part of pointline.v2 (the contracts, the schemas) does not
    # load Delta and every vendor.
    if name == "Lake":
        from pointline.v2.lake import Lake

        return Lake
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
