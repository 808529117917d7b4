"""Which vendors pointline knows, and which of them recognises a Bronze path.

Built-in vendors are imported on first use (or by :func:`load_builtin_vendors`); others plug
in with :func:`register_vendor`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from pointline.v2.vendors.base import BronzeLocation, Vendor

_BUILTIN: dict[str, tuple[str, str]] = {
    "tardis": ("pointline.v2.vendors.tardis", "TARDIS"),
    "quant360": ("pointline.v2.vendors.quant360", "QUANT360"),
}
_REGISTERED: dict[str, Vendor] = {}


def register_vendor(vendor: Vendor) -> None:
    """Plug a vendor in (replacing any vendor of the same name)."""
    _REGISTERED[vendor.name] = vendor


def vendor_names() -> list[str]:
    """Sorted names of every known vendor."""
    return sorted(set(_BUILTIN) | set(_REGISTERED))


def get_vendor(name: str) -> Vendor:
    """The vendor called ``name``; ``ValueError`` lists the known vendors."""
    if name not in _REGISTERED:
        if name not in _BUILTIN:
            raise ValueError(f"unknown vendor {name!r}; known vendors: {vendor_names()}")
        module_name, attribute = _BUILTIN[name]
        _REGISTERED[name] = getattr(importlib.import_module(module_name), attribute)
    return _REGISTERED[name]


def load_builtin_vendors() -> None:
    """Import the built-in vendors now (a ``Lake`` does, so that its first ingestion does not
    pay for the imports)."""
    for name in _BUILTIN:
        get_vendor(name)


def recognise(path: Path, *, vendor: str | None = None) -> BronzeLocation | None:
    """What ``path`` says about its file, asking ``vendor`` only or every vendor in name order."""
    names = [vendor] if vendor is not None else vendor_names()
    for name in names:
        location = get_vendor(name).recognise(path)
        if location is not None:
            return location
    return None
