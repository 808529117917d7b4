"""Delta Lake adapters of the storage contracts (the only package that imports deltalake)."""

from pointline.v2.storage.delta.layout import LakeLayout
from pointline.v2.storage.delta.manifest_store import DeltaManifestStore

__all__ = ["DeltaManifestStore", "LakeLayout"]
