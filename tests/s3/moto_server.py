"""moto's S3 server for the tests and the benchmark, one request at a time, counting requests.

Run alone: ``python tests/s3/moto_server.py PORT``. From Python: ``with start_s3_server() as
server: server.storage_options()``.

Stock ``moto_server`` serves each request on its own thread. Its S3 backend checks
``If-None-Match: *`` and then stores the object in a second step, so two concurrent conditional
puts of one Delta log entry could both succeed, which no real store allows. Serving requests one
at a time (``threaded=False``) makes each conditional put atomic, as on S3.

``GET /_pointline/requests`` answers the number of S3 requests served so far (that request
excluded) as text; ``DELETE /_pointline/requests`` resets it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COUNTER_PATH = "/_pointline/requests"
TRACE_LENGTH = 5_000
"""Requests kept for :meth:`S3Server.request_trace`."""
START_TIMEOUT_S = 120.0
# moto's dispatcher picks the service from the credential scope of the Authorization header (it
# does not check signatures); a bucket created by plain HTTP needs one.
_S3_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


@dataclass(frozen=True)
class S3Server:
    """A running moto S3 server at ``endpoint`` (``http://127.0.0.1:<port>``)."""

    endpoint: str

    def storage_options(self) -> dict[str, str]:
        """The options deltalake, Polars and pointline need to reach the server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
            "AWS_CONDITIONAL_PUT": "etag",
        }

    def create_bucket(self, name: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/{name}", method="PUT", headers={"Authorization": _S3_AUTHORIZATION}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 200:
                raise RuntimeError(f"creating bucket {name}: HTTP {response.status}")

    def requests(self) -> int:
        """S3 requests served so far."""
        with urllib.request.urlopen(f"{self.endpoint}{COUNTER_PATH}", timeout=60) as response:
            return int(response.read())

    def request_kinds(self) -> dict[str, int]:
        """Requests served so far by ``METHOD kind`` (since the last reset)."""
        url = f"{self.endpoint}{COUNTER_PATH}?detail=1"
        with urllib.request.urlopen(url, timeout=60) as response:
            return dict(json.loads(response.read()))

    def request_trace(self) -> list[str]:
        """The last :data:`TRACE_LENGTH` requests (``METHOD path?query``) since the last reset,
        oldest first: which table and which log entry each request touched."""
        url = f"{self.endpoint}{COUNTER_PATH}?trace=1"
        with urllib.request.urlopen(url, timeout=60) as response:
            return list(json.loads(response.read()))

    def reset_requests(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}{COUNTER_PATH}", method="DELETE")
        with urllib.request.urlopen(request, timeout=60):
            pass


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def start_s3_server() -> Iterator[S3Server]:
    """Start the server as a subprocess on a free port; stop it on exit."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = S3Server(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                server.requests()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None:
                    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    raise RuntimeError(f"the moto S3 server exited: {error[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the moto S3 server did not start in {START_TIMEOUT_S} s"
                    ) from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def counting(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` with the request counter at :data:`COUNTER_PATH`."""
    served = [0]
    kinds: Counter[str] = Counter()
    recent: deque[str] = deque(maxlen=TRACE_LENGTH)

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == COUNTER_PATH:
            if environ.get("REQUEST_METHOD") == "DELETE":
                served[0] = 0
                kinds.clear()
                recent.clear()
            start_response("200 OK", [("Content-Type", "text/plain")])
            if "trace" in environ.get("QUERY_STRING", ""):
                return [json.dumps(list(recent)).encode()]
            if "detail" in environ.get("QUERY_STRING", ""):
                return [json.dumps(dict(kinds.most_common())).encode()]
            return [str(served[0]).encode()]
        served[0] += 1
        kinds[_kind(environ)] += 1
        query = environ.get("QUERY_STRING", "")
        recent.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}?{query}")
        return app(environ, start_response)

    return wrapped


def _kind(environ: dict[str, Any]) -> str:
    """``METHOD what`` of a request, e.g. ``GET log-json``, ``PUT parquet``, ``GET list``."""
    method = environ.get("REQUEST_METHOD", "?")
    path = environ.get("PATH_INFO", "")
    if "list-type" in environ.get("QUERY_STRING", ""):
        return f"{method} list"
    if path.endswith(".json"):
        what = "log-json"
    elif "checkpoint" in path:
        what = "checkpoint"
    elif path.endswith(".parquet"):
        what = "parquet"
    else:
        what = "other"
    return f"{method} {what}"


def main(port: int) -> None:
    import logging

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on stderr
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, counting(app), threaded=False, use_reloader=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
