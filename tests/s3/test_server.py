"""The S3 server fixture itself: buckets per test, conditional puts atomic, requests counted."""

from __future__ import annotations

import obstore
import pytest
from obstore.store import S3Store

from tests.conftest import LakeRoot
from tests.s3.moto_server import S3Server


def _store(root: LakeRoot) -> S3Store:
    bucket = str(root.root).removeprefix("s3://").split("/")[0]
    assert root.server is not None
    return S3Store(
        bucket,
        endpoint=root.server.endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        region="us-east-1",
        client_options={"allow_http": True},
    )


def test_a_bucket_per_test_starts_empty(s3_root: LakeRoot) -> None:
    store = _store(s3_root)
    assert obstore.list(store).collect() == []
    obstore.put(store, "lake/x", b"1")
    assert [o["path"] for o in obstore.list(store).collect()] == ["lake/x"]


def test_a_second_create_only_put_of_one_key_is_refused(s3_root: LakeRoot) -> None:
    store = _store(s3_root)
    obstore.put(store, "lake/_delta_log/00000000000000000000.json", b"a", mode="create")
    with pytest.raises(Exception, match=r"(?i)already exists|precondition"):
        obstore.put(store, "lake/_delta_log/00000000000000000000.json", b"b", mode="create")
    assert bytes(obstore.get(store, "lake/_delta_log/00000000000000000000.json").bytes()) == b"a"


def test_requests_are_counted_at_the_server(s3_server: S3Server, s3_root: LakeRoot) -> None:
    store = _store(s3_root)
    before = s3_server.requests()
    obstore.put(store, "lake/y", b"1")
    obstore.get(store, "lake/y").bytes()
    assert s3_server.requests() - before == 2
