"""What the pipeline takes and returns: the public import path of the models.

The classes live at the bottom of the import graph, in :mod:`pointline.v2.models`.
"""

from __future__ import annotations

from pointline.v2.models import BronzeFileMetadata, IngestionResult

__all__ = ["BronzeFileMetadata", "IngestionResult"]
