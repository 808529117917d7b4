"""``Lake.ingest`` and ``Lake.import_quant360_archives`` on executors: a process pool of this
machine and a real two-process Dask ``LocalCluster`` give, file by file, the results and the
Silver tables of the serial path; workers killed or failing never hang the call nor break
exactly-once.

One Dask cluster and one warm process pool serve the whole module; pools with a fault
installed are started from a forkserver that has pointline imported already (fast).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import sys
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from pointline.v2.vendors.quant360 import samples as q360
from pointline.v2.vendors.quant360.layout import ORDER_NEW, SZSE, TICK_NEW
from tests.cli.conftest import invoke, stdout_json
from tests.reliability.lakes import check_invariants
from tests.reliability.workers import warm_up
from tests.scale import bronze as mixed
from tests.scale.dask_faults import FaultPlugin

FAULT_SYMBOL = "FAULTUSDT"
FAULT_FILE = f"binance-futures_trades_2024-01-01_{FAULT_SYMBOL}.csv.gz"
"""A file whose group raises in the worker (the module's pool has the fault installed; no
other test's directory holds such a file)."""


def _forkserver() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["pointline.v2.lake", "pointline.v2.vendors.tardis", "tests.scale.faults"]
    )
    return context


def _faulty_pool(fault: str, argument: str) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        2,
        mp_context=_forkserver(),
        initializer=_install,
        initargs=(fault, argument),
    )


def _install(fault: str, argument: str) -> None:
    from tests.scale import faults

    faults.install(fault, argument)


@pytest.fixture(scope="module")
def pool():
    with _faulty_pool("raise_for_file", FAULT_FILE) as executor:
        list(executor.map(warm_up, range(2)))
        yield executor


@pytest.fixture(scope="module")
def dask_client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _executor(request: pytest.FixtureRequest, kind: str):
    if kind == "pool":
        return request.getfixturevalue("pool")
    if kind == "threads":
        return request.getfixturevalue("threads")
    return request.getfixturevalue("dask_client").get_executor()


@pytest.fixture(scope="module")
def threads():
    with ThreadPoolExecutor(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def bronze(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed.write_mixed(tmp_path_factory.mktemp("mixed") / "in")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory, bronze: Path):
    """The mixed set plus :data:`FAULT_FILE`, and the serial path's results for it."""
    folder = tmp_path_factory.mktemp("faulty") / "in"
    shutil.copytree(bronze, folder)
    mixed.tardis(folder, "trades", FAULT_SYMBOL, 5)
    lake = mixed.new_lake(tmp_path_factory.mktemp("faulty-serial") / "lake")
    return folder, lake, lake.ingest(folder)


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory, bronze: Path):
    """The serial path's lake, first results and rerun results."""
    lake = mixed.new_lake(tmp_path_factory.mktemp("serial") / "lake")
    first = lake.ingest(bronze)
    again = lake.ingest(bronze)
    return lake, first, again


@pytest.mark.parametrize("kind", ["pool", "dask", "threads"])
def test_results_and_silver_are_those_of_the_serial_path(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, bronze: Path, serial
):
    executor = _executor(request, kind)
    reference, first, again = serial
    # small groups: several tasks, each writing several tables
    lake = mixed.new_lake(tmp_path / "lake", batch_files=4)
    seen: list[str] = []
    results = lake.ingest(
        bronze, executor=executor, on_result=lambda meta, _r: seen.append(meta.extra["path"])
    )

    assert mixed.as_dicts(results) == mixed.as_dicts(first)
    assert sorted(seen) == sorted(str(p) for p in bronze.iterdir())  # each file once
    statuses = Counter((r.status, r.failure_reason) for r in results)
    assert statuses[("success", None)] >= 9  # the header-only file: a quiet day, 0 rows
    assert statuses[("quarantined", "missing_pit_symbol_coverage")] == 1
    assert {"schema_mismatch", "empty_file", "layout_error"} <= {r.failure_reason for r in results}
    assert sum(r.rows_quarantined for r in results) == 1 + 4  # a bad price; DOGEUSDT's rows
    assert sorted(r.rows_written for r in results)[-2:] == [280, 300]  # the streamed files
    assert mixed.as_dicts(lake.ingest(bronze, executor=executor)) == mixed.as_dicts(again)
    mixed.assert_same_silver(reference, lake)


@pytest.mark.parametrize("kind", ["pool", "dask"])
def test_on_an_s3_lake_the_executors_give_the_serial_results(
    kind: str, request: pytest.FixtureRequest, s3_root, bronze: Path, serial
):
    """The same directory into ``s3://`` from a process pool and a Dask cluster: every
    per-file result and every Silver table equal the serial local lake's."""
    executor = _executor(request, kind)
    reference, first, again = serial
    lake = mixed.new_lake(s3_root.root, storage_options=s3_root.storage_options, batch_files=4)
    results = lake.ingest(bronze, executor=executor)
    assert mixed.as_dicts(results) == mixed.as_dicts(first)
    mixed.assert_same_silver(reference, lake)
    assert mixed.as_dicts(lake.ingest(bronze, executor=executor)) == mixed.as_dicts(again)


def test_a_dry_run_on_an_executor_writes_nothing(tmp_path: Path, bronze: Path, pool):
    serial_lake = mixed.new_lake(tmp_path / "serial")
    lake = mixed.new_lake(tmp_path / "lake", batch_files=4)
    expected = serial_lake.ingest(bronze, dry_run=True)
    assert mixed.as_dicts(lake.ingest(bronze, dry_run=True, executor=pool)) == mixed.as_dicts(
        expected
    )
    assert lake.manifest().height == 0
    assert not (lake.silver_root / "trades").exists()


def test_an_unsupported_data_type_fails_each_file_before_anything_is_sent(tmp_path: Path, pool):
    lake = mixed.new_lake(tmp_path / "lake")
    path = mixed.tardis(tmp_path / "in", "trades", "BTCUSDT", 3)
    (result,) = lake.ingest(path, executor=pool, vendor="tardis", data_type="no_such_type")
    assert result.status == "failed" and "no_such_type" in result.error_message
    assert result == lake.ingest(path, vendor="tardis", data_type="no_such_type")[0]
    assert lake.manifest().height == 0


def _expect_group_failure(results, reference_results, reason: str) -> list[int]:
    """Indexes of the files that came back ``failed`` with ``reason``; every other file's
    result equals the serial one."""
    hit = []
    for i, (got, want) in enumerate(zip(results, reference_results, strict=True)):
        if got.failure_reason == reason and want.failure_reason != reason:
            assert got.status == "failed" and got.file_id == want.file_id
            assert (got.rows_written, got.rows_quarantined) == (0, 0)
            hit.append(i)
        else:
            assert got == want
    return hit


@pytest.mark.parametrize("kind", ["pool", "dask"])
def test_a_worker_error_is_its_groups_failed_result_and_a_rerun_completes_it(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, faulty
):
    folder, reference, first = faulty
    lake = mixed.new_lake(tmp_path / "lake", batch_files=4)
    if kind == "pool":
        results = lake.ingest(folder, executor=request.getfixturevalue("pool"))
    else:
        client: Client = request.getfixturevalue("dask_client")
        client.register_plugin(FaultPlugin("raise_for_file", FAULT_FILE))
        try:
            results = lake.ingest(folder, executor=client.get_executor())
        finally:
            client.unregister_worker_plugin(FaultPlugin.name)

    hit = _expect_group_failure(results, first, "worker_error")
    assert 2 <= len(hit) <= 4  # the one group holding the file, no other
    paths = [str(p) for p in sorted(folder.iterdir())]
    assert any(paths[i].endswith(FAULT_FILE) for i in hit)
    for i in hit:
        message = results[i].error_message
        assert lake.describe(paths[i]).bronze_file_path in message
        assert "RuntimeError: injected worker fault" in message
        assert lake.manifest_store.status_of(results[i].file_id) == "pending"
    check_invariants(lake)

    rerun = lake.ingest(folder)  # in this process: no fault
    for i in hit:
        assert rerun[i] == first[i]
    assert check_invariants(lake) == check_invariants(reference)


def test_a_killed_pool_worker_breaks_the_pool_and_a_rerun_heals(
    tmp_path: Path, bronze: Path, serial
):
    reference, first, _ = serial
    lake = mixed.new_lake(tmp_path / "lake", batch_files=4)
    marker = str(tmp_path / "killed")
    with _faulty_pool("kill_before_status_write", marker) as executor:
        results = lake.ingest(bronze, executor=executor)  # returns: the pool breaks

    assert Path(marker + ".pid").exists()  # a worker really died before a status write
    hit = _expect_group_failure(results, first, "worker_lost")
    assert hit
    for i in hit:
        assert "the worker ingesting it was lost" in results[i].error_message
        assert "BrokenProcessPool" in results[i].error_message
    check_invariants(lake)  # the killed group's committed rows are pending: hidden

    rerun = lake.ingest(bronze)
    for i in hit:
        assert rerun[i] == first[i]
    assert check_invariants(lake) == check_invariants(reference)


def test_a_killed_dask_worker_is_rescheduled_and_nothing_is_doubled(
    tmp_path: Path, bronze: Path, serial, dask_client: Client
):
    reference, first, again = serial
    lake = mixed.new_lake(tmp_path / "lake", batch_files=4)
    marker = str(tmp_path / "killed")
    dask_client.register_plugin(FaultPlugin("kill_before_status_write", marker))
    try:
        results = lake.ingest(bronze, executor=dask_client.get_executor())
    finally:
        dask_client.unregister_worker_plugin(FaultPlugin.name)

    killed = int(Path(marker + ".pid").read_text())
    assert killed not in dask_client.run(os.getpid).values()  # that worker is gone
    # the lost task ran again elsewhere: its files were still pending, so it redid them
    assert mixed.as_dicts(results) == mixed.as_dicts(first)
    assert check_invariants(lake) == check_invariants(reference)
    assert mixed.as_dicts(lake.ingest(bronze)) == mixed.as_dicts(again)
    mixed.assert_same_silver(reference, lake)


def test_two_drivers_on_one_directory_leave_one_copy_of_every_file(
    tmp_path: Path, bronze: Path, serial, pool
):
    reference, first, _ = serial
    root = tmp_path / "lake"
    mixed.new_lake(root)
    start = threading.Barrier(2)
    outcomes: dict[int, list] = {}

    def drive(n: int) -> None:
        lake = _open(root)
        start.wait()
        outcomes[n] = lake.ingest(bronze, executor=pool)

    threads = [threading.Thread(target=drive, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for results in outcomes.values():
        for got, want in zip(results, first, strict=True):
            if got.skipped:  # the other driver finished it first
                assert want.status == "success" and got.file_id == want.file_id
            else:
                assert got == want
    lake = _open(root)
    assert check_invariants(lake) == check_invariants(reference)
    mixed.assert_same_silver(reference, lake)


def _open(root: Path):
    from pointline.v2 import Lake

    return Lake(
        root, stream_threshold_bytes=mixed.STREAM_THRESHOLD_BYTES, chunk_rows=mixed.CHUNK_ROWS
    )


# -- Quant360 archives ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("archives")
    symbols = q360.sample_symbols(SZSE, 3)
    for data_type in (ORDER_NEW, TICK_NEW):
        q360.write_archive(
            folder, data_type=data_type, exchange=SZSE, symbols=symbols, rows_per_member=5
        )
    (folder / "order_new_STK_SZ_20240103.7z").write_bytes(b"not a 7z archive")
    return folder


def _report(report):
    return (
        report.archives,
        [(m.bronze_file_path, m.sha256, m.file_size_bytes, m.data_type) for m in report.files],
    )


@pytest.mark.parametrize("kind", ["pool", "dask"])
def test_archives_import_in_parallel_as_they_do_serially(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, archives: Path
):
    executor = _executor(request, kind)
    one = mixed.new_lake(tmp_path / "serial")
    other = mixed.new_lake(tmp_path / "parallel")
    published: list[str] = []
    serial_report = one.import_quant360(archives)
    parallel = other.import_quant360(
        archives, executor=executor, on_published=lambda m: published.append(m.bronze_file_path)
    )

    assert _report(parallel) == _report(serial_report)
    assert sorted(published) == sorted(m.bronze_file_path for m in parallel.files)
    statuses = [(a.status, a.reason) for a in parallel.archives]
    assert statuses == [("success", None), ("failed", "corrupt_archive"), ("success", None)]
    for meta in parallel.files:
        mine = (other.bronze_root / meta.bronze_file_path).read_bytes()
        assert mine == (one.bronze_root / meta.bronze_file_path).read_bytes()
    again = other.import_quant360_archives(archives, executor=executor)
    assert [m.bronze_file_path for m in again] == [m.bronze_file_path for m in parallel.files]
    skipped = other.import_quant360(archives, executor=executor).archives
    assert [a.reason for a in skipped] == [
        "already_imported",
        "corrupt_archive",
        "already_imported",
    ]


# -- the command line ----------------------------------------------------------------------


def _cli_files(result) -> list[dict]:
    return [{k: v for k, v in f.items() if k != "seconds"} for f in stdout_json(result)["files"]]


def test_cli_workers_and_scheduler_give_the_serial_files(
    tmp_path: Path, bronze: Path, dask_client: Client
):
    outputs = []
    for name, extra in (
        ("serial", ()),
        ("workers", ("--workers", "2")),
        ("scheduler", ("--scheduler", dask_client.scheduler.address)),
    ):
        lake = mixed.new_lake(tmp_path / name)
        result = invoke("--lake", lake.root, "--json", "ingest", bronze, *extra)
        assert result.exit_code == 1, result.stderr  # the set has failed files
        outputs.append(_cli_files(result))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == len(list(bronze.iterdir()))


def test_cli_scheduler_without_the_extra_names_it(
    tmp_path: Path, bronze: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    result = invoke("--lake", tmp_path / "lake", "ingest", bronze, "--scheduler", "tcp://x:1")
    assert result.exit_code == 1
    assert "pointline[dask]" in result.stderr and "not installed" in result.stderr
    assert not (tmp_path / "lake" / "silver").exists()


def test_cli_workers_and_scheduler_together_is_a_usage_error(tmp_path: Path, bronze: Path):
    result = invoke(
        "--lake", tmp_path / "lake", "ingest", bronze, "--workers", "2", "--scheduler", "x"
    )
    assert result.exit_code == 2 and "not both" in result.stderr
