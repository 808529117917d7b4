"""Fixtures shared by the whole suite: a real S3 server (moto) and lake roots on it.

``s3_server`` starts moto's S3 server (``tests/s3/moto_server.py``: one request at a time) as a
subprocess on a free port of 127.0.0.1, once per session, and stops it at the end; ``s3_root``
creates a fresh bucket per test. ``lake_root`` is parametrised: a test using it runs once on a
local directory and once on ``s3://<fresh bucket>/lake``. Nothing inside pointline is mocked:
the S3 tests talk HTTP to the server through deltalake, Polars and obstore.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.s3.moto_server import S3Server, start_s3_server


@dataclass(frozen=True)
class LakeRoot:
    """Where a test's lake lives: ``root`` for ``Lake(root, storage_options=...)``."""

    root: str | Path
    storage_options: dict[str, str] | None
    server: S3Server | None = None

    @property
    def remote(self) -> bool:
        return self.server is not None


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with start_s3_server() as server:
        yield server


@pytest.fixture
def s3_root(s3_server: S3Server) -> LakeRoot:
    """``s3://<a bucket of its own>/lake`` on the session's server."""
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    s3_server.create_bucket(bucket)
    return LakeRoot(f"s3://{bucket}/lake", s3_server.storage_options(), s3_server)


@pytest.fixture(params=["local", "s3"])
def lake_root(request: pytest.FixtureRequest, tmp_path: Path) -> LakeRoot:
    """A lake root, once a local directory and once on the S3 server."""
    if request.param == "local":
        return LakeRoot(tmp_path / "lake", None)
    return request.getfixturevalue("s3_root")
