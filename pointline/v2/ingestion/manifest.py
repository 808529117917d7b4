"""Manifest identity helpers used by the pipeline."""

from __future__ import annotations

from pointline.v2.models import BronzeFileMetadata
from pointline.v2.storage.manifest_rows import identity_of


def build_manifest_identity(meta: BronzeFileMetadata) -> tuple[str, str, str, str]:
    """(vendor, data_type, bronze_file_path, sha256) of ``meta`` (the fields of
    :class:`pointline.v2.storage.models.ManifestIdentity`)."""
    return identity_of(meta)
