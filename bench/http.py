"""Online latency over loopback HTTP: `ews serve` (one firm, full reasons) vs `mlflow models serve`.

One run, one model, one machine: the registered champion of the world given by ``EWS_DATA_DIR``
and ``EWS_MODELS_DIR`` (the benchmark creates an API key and writes scores there, so point it at
a copy). Each server variant is started, warmed up and left to go idle (the service computes
every firm's reasons in the background after start), then driven by 1, 16 and 64 concurrent
keep-alive clients (a bare HTTP/1.1 client on one asyncio loop) for a bounded number of requests and
seconds. Every request must succeed. The ratio is our throughput at 16 clients over mlflow's at
16 clients with the same number of workers; ``mlflow models serve`` returns only a probability.

    PYTHONPATH=. EWS_DATA_DIR=… EWS_MODELS_DIR=… python -m bench http --rows 2000

The load generator runs on the same cores as the servers (loopback only), so at 16 and 64
clients the client threads take a share of the CPU; that is the same for every variant.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import numpy as np
import pandas as pd
import psutil

from bench.timing import report
from core.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 16, 64)
RECOMMENDED = "ews2"  # the configuration docs/benchmarks.md recommends for 2 cores
# N independent uvicorn processes, each binding its own SO_REUSEPORT socket on one port: the
# kernel spreads new connections over them by hash, unlike one shared listening socket.
_REUSEPORT_SERVER = """
import socket, sys, uvicorn
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
sock.set_inheritable(True)
uvicorn.run("serving.app:create_app", factory=True, fd=sock.fileno(), log_level="warning")
"""


@dataclass(frozen=True)
class Variant:
    """A server to start: its name, the command (``{port}`` filled in) and what it answers."""

    name: str
    argv: tuple[str, ...]
    kind: str  # "ews" or "mlflow"
    workers: int
    processes: int = 1  # independent server processes (SO_REUSEPORT), each started alike


def ews_variant(workers: int, access_log: bool = True) -> Variant:
    argv = (
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--port",
        "{port}",
        "--workers",
        str(workers),
    )
    if access_log:
        return Variant(f"ews serve, uvicorn --workers {workers}", argv, "ews", workers)
    return Variant(
        f"ews serve, uvicorn --workers {workers} --no-access-log",
        (*argv, "--no-access-log"),
        "ews",
        workers,
    )


def gunicorn_variant(workers: int) -> Variant:
    argv = (
        sys.executable,
        "-m",
        "gunicorn",
        "serving.app:create_app()",
        "-k",
        "uvicorn.workers.UvicornWorker",
        "-w",
        str(workers),
        "-b",
        "127.0.0.1:{port}",
        "--log-level",
        "warning",
    )
    return Variant(f"ews, gunicorn -w {workers} uvicorn workers", argv, "ews", workers)


def reuseport_variant(processes: int) -> Variant:
    argv = (sys.executable, "-c", _REUSEPORT_SERVER, "{port}")
    return Variant(
        f"ews, {processes} uvicorn procs SO_REUSEPORT", argv, "ews", processes, processes
    )


def mlflow_variant(workers: int, model_uri: str) -> Variant:
    argv = (
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "-m",
        model_uri,
        "--env-manager",
        "local",
        "-h",
        "127.0.0.1",
        "-p",
        "{port}",
        "-w",
        str(workers),
    )
    return Variant(f"mlflow models serve -w {workers}", argv, "mlflow", workers)


def named_variants(settings: Settings) -> dict[str, Variant]:
    """Every variant by its short name (for ``EWS_BENCH_HTTP``)."""
    uri = f"models:/{settings.model_name}@{settings.model_alias}"
    return {
        "ews1": ews_variant(1),
        "ews2": ews_variant(2),
        "ews2quiet": ews_variant(2, access_log=False),
        "gunicorn2": gunicorn_variant(2),
        "reuseport2": reuseport_variant(2),
        "mlflow1": mlflow_variant(1, uri),
        "mlflow2": mlflow_variant(2, uri),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "EWS_DATA_DIR": str(settings.data_dir.resolve()),
        "EWS_MODELS_DIR": str(settings.models_dir.resolve()),
        "MLFLOW_TRACKING_URI": settings.tracking_uri,
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
        # mlflow models serve runs `uvicorn` from PATH: this interpreter's environment first.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        # One key from one address drives thousands of requests a second: lift the rate limits
        # (serving.access.limits) so that they do not answer 429; their check still runs and is
        # timed.
        **{f"EWS_LIMIT_{name}": "1000000000" for name in _RATE_LIMITS},
    }


_RATE_LIMITS = ("KEY_BURST", "KEY_PER_S", "ADDRESS_BURST", "ADDRESS_PER_S")


def _tree(processes: Sequence[psutil.Process]) -> list[psutil.Process]:
    found: list[psutil.Process] = []
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            found += [process, *process.children(recursive=True)]
    return found


def cpu_seconds(processes: Sequence[psutil.Process]) -> dict[int, float]:
    """CPU seconds used so far by each process of the server trees."""
    used = {}
    for process in _tree(processes):
        try:
            times = process.cpu_times()
            used[process.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return used


def wait_idle(processes: Sequence[psutil.Process], limit_s: float, busy: float = 0.1) -> float:
    """Wait until the servers use under ``busy`` of a core for a second (background warm-up)."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        before = sum(cpu_seconds(processes).values())
        time.sleep(1.0)
        if sum(cpu_seconds(processes).values()) - before < busy:
            break
    return time.monotonic() - start


@contextmanager
def started(
    variant: Variant, settings: Settings, ready_path: str, limit_s: float = 240.0
) -> Iterator[tuple[str, list[psutil.Process]]]:
    """Start the variant on a free port, yield its base URL once ``ready_path`` answers 200."""
    port = free_port()
    # The servers log a line per request: into files, not pipes, which nobody reads while the
    # load runs (a full pipe blocks the server on its next log line).
    with ExitStack() as files:
        logs = [files.enter_context(tempfile.TemporaryFile()) for _ in range(variant.processes)]
        yield from _run(variant, settings, ready_path, limit_s, port, logs)


def _run(
    variant: Variant,
    settings: Settings,
    ready_path: str,
    limit_s: float,
    port: int,
    logs: Sequence[IO[bytes]],
) -> Iterator[tuple[str, list[psutil.Process]]]:
    """``started``'s body: one process per log file, stopped however the caller leaves."""
    argv = [a.replace("{port}", str(port)) for a in variant.argv]
    popens = [
        subprocess.Popen(
            argv, cwd=ROOT, env=server_env(settings), stdout=log, stderr=subprocess.STDOUT
        )
        for log in logs
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + limit_s
        while True:
            try:
                if httpx.get(base + ready_path, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            failed = [i for i, p in enumerate(popens) if p.poll() is not None]
            if failed or time.monotonic() > deadline:
                error = _tail(logs[failed[0]]) if failed else ""
                raise RuntimeError(f"{variant.name} did not become ready: {error}")
            time.sleep(0.3)
        yield base, [psutil.Process(p.pid) for p in popens]
    finally:
        for p in popens:
            p.terminate()
        for p in popens:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _tail(log: IO[bytes], size: int = 2000) -> str:
    """The last ``size`` bytes a server wrote, as text."""
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - size))
    return log.read().decode(errors="replace")


@dataclass
class Load:
    """What one level of concurrency measured."""

    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reconnects: int = 0  # idle keep-alive connections the server had closed, reopened

    @property
    def figures(self) -> dict[str, float]:
        p50, p99 = np.percentile(self.latencies_ms, [50, 99]) if self.latencies_ms else (0, 0)
        n = len(self.latencies_ms)
        return {
            "clients": self.clients,
            "requests": n,
            "errors": len(self.errors),
            "p50_ms": float(p50),
            "p99_ms": float(p99),
            "reconnects": self.reconnects,
            "rps": n / self.seconds if self.seconds else 0.0,
        }


def drive(
    base: str,
    path: str,
    bodies: Sequence[bytes],
    headers: dict[str, str],
    clients: int,
    requests: int,
    seconds: float,
    warm: int = 5,
) -> Load:
    """``clients`` keep-alive connections, one request at a time each, until ``requests`` or
    ``seconds``; all driven from one asyncio loop (uvloop) in this process."""
    run = asyncio.run
    with suppress(ImportError):
        import uvloop

        run = uvloop.run
    # A loop of its own in a thread of its own: the caller's thread may already run one (a
    # notebook, or Playwright's sync API earlier in a pytest session), and then ``run`` refuses.
    with ThreadPoolExecutor(1) as thread:
        work = _drive(base, path, bodies, headers, clients, requests, seconds, warm)
        return thread.submit(run, work).result()


class _Connection:
    """A bare HTTP/1.1 keep-alive client: a prebuilt request out, status and body back.

    httpx costs about a millisecond of this process's CPU per request, as much as the service's
    own work after the speed-ups; on 2 shared cores the load generator's CPU is taken from the
    servers, so it would cap the throughput of a fast server long before a slow one. This one
    costs tens of microseconds and treats every server alike.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def post(self, request: bytes) -> tuple[int, bytes]:
        """One exchange; a kept-alive connection the server closed while idle (nothing read
        back) is reopened and the request sent again once, as HTTP clients do."""
        reused = self.writer is not None
        try:
            return await self._exchange(request)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            partial = error.partial if isinstance(error, asyncio.IncompleteReadError) else b""
            if not reused or partial:
                raise
            self.close()
            self.reconnects += 1
            return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                raise RuntimeError("chunked responses are not expected here")
            elif name == b"connection" and b"close" in value.lower():
                close = True
        body = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _requests(
    base: str, path: str, bodies: Sequence[bytes], headers: dict[str, str]
) -> tuple[str, int, list[bytes]]:
    url = httpx.URL(base)
    host, port = str(url.host), int(url.port or 80)
    fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    prebuilt = [
        (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{fixed}"
            f"Content-Type: application/json\r\nContent-Length: {len(b)}\r\n\r\n"
        ).encode()
        + b
        for b in bodies
    ]
    return host, port, prebuilt


async def _drive(
    base: str,
    path: str,
    bodies: Sequence[bytes],
    headers: dict[str, str],
    clients: int,
    requests: int,
    seconds: float,
    warm: int,
) -> Load:
    host, port, prebuilt = _requests(base, path, bodies, headers)
    load = Load(clients)
    remaining = [requests]
    stop_at = [math.inf]
    starts: list[float] = []

    async def client(offset: int) -> None:
        connection = _Connection(host, port)
        try:
            # Warm-ups open the connection and warm the server's path; a failed one is an error.
            for i in range(warm):
                status, body = await connection.post(prebuilt[(offset + i) % len(prebuilt)])
                if status != 200:
                    load.errors.append(f"warm-up {status}: {body[:200]!r}")
        except (OSError, asyncio.IncompleteReadError) as error:
            load.errors.append(f"warm-up: {error!r}")
            connection.close()
        finally:
            warmed[0] += 1
        try:
            await ready.wait()
            starts.append(time.perf_counter())
            n = 0
            while time.perf_counter() < stop_at[0] and remaining[0] > 0:
                remaining[0] -= 1
                n += 1
                start = time.perf_counter()
                try:
                    status, body = await connection.post(prebuilt[(offset + n) % len(prebuilt)])
                except (OSError, asyncio.IncompleteReadError) as error:
                    load.errors.append(repr(error))
                    connection.close()
                    continue
                elapsed = time.perf_counter() - start
                if status != 200:
                    load.errors.append(f"{status}: {body[:200]!r}")
                    continue
                load.latencies_ms.append(elapsed * 1e3)
        finally:
            load.reconnects += connection.reconnects
            connection.close()

    ready = asyncio.Event()
    warmed = [0]
    tasks = [asyncio.create_task(client(c * 7)) for c in range(clients)]
    # Start measuring once every connection is open and warm (or after 60 s at most).
    deadline = time.monotonic() + 60.0
    while warmed[0] < clients and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    stop_at[0] = time.perf_counter() + seconds
    ready.set()
    await asyncio.gather(*tasks)
    load.seconds = time.perf_counter() - min(starts, default=stop_at[0] - seconds)
    return load


@dataclass(frozen=True)
class Requests:
    """Bodies for both servers about the same firms, and our API key."""

    ews: list[bytes]
    mlflow: list[bytes]
    key: str


def prepare(settings: Settings, firms: int = 200) -> Requests:
    """An analyst key and ``firms`` stored firms: firm_id bodies and one-row dataframe_split."""
    import mlflow

    from serving.access.keys import create_key
    from serving.store.engine import make_engine
    from serving.store.schema import create_schema

    engine = make_engine(settings.db_url)
    create_schema(engine)
    key = create_key(engine, "analyst")
    engine.dispose()
    mlflow.set_tracking_uri(settings.tracking_uri)
    info = mlflow.models.get_model_info(f"models:/{settings.model_name}@{settings.model_alias}")
    assert info.signature is not None
    inputs = info.signature.inputs.inputs  # type: ignore[union-attr]
    names = [c.name for c in inputs]
    required = [c.name for c in inputs if c.required]
    features = pd.read_parquet(settings.features_dir / "features.parquet")
    latest = features[features["as_of"] == features["as_of"].max()]
    latest = latest.dropna(subset=required).head(firms)
    ews = [json.dumps({"firm_id": str(f)}).encode() for f in latest["firm_id"]]
    rows = latest[names].astype("float64")
    mlflow_bodies = []
    for values in rows.itertuples(index=False):
        row = [None if pd.isna(v) else float(v) for v in values]
        body = {"dataframe_split": {"columns": names, "data": [row]}}
        mlflow_bodies.append(json.dumps(body).encode())
    return Requests(ews, mlflow_bodies, key)


@dataclass(frozen=True)
class Server:
    """A started, warmed-up and idle server variant, ready to be driven."""

    variant: Variant
    base: str
    processes: list[psutil.Process]
    path: str
    payloads: list[bytes]
    headers: dict[str, str]
    startup_s: float
    idle_wait_s: float


@contextmanager
def serving(
    variant: Variant, settings: Settings, bodies: Requests, warm: int = 400
) -> Iterator[Server]:
    """Start ``variant``, warm it with ``warm`` requests and wait until its processes are idle."""
    is_ews = variant.kind == "ews"
    ready, path = ("/readyz", "/v1/scores") if is_ews else ("/ping", "/invocations")
    payloads = bodies.ews if is_ews else bodies.mlflow
    headers = {"X-API-Key": bodies.key} if is_ews else {}
    start = time.monotonic()
    with started(variant, settings, ready) as (base, processes):
        startup = time.monotonic() - start
        drive(base, path, payloads, headers, 2, warm, 60.0, warm=5)
        idle = wait_idle(processes, 300.0)
        yield Server(variant, base, processes, path, payloads, headers, startup, idle)


def level(server: Server, clients: int, requests: int, seconds: float) -> dict[str, Any]:
    """Drive ``server`` with ``clients`` connections; the figures of that level."""
    variant = server.variant
    before = cpu_seconds(server.processes)
    load = drive(
        server.base, server.path, server.payloads, server.headers, clients, requests, seconds
    )
    after = cpu_seconds(server.processes)
    if load.errors:
        raise RuntimeError(
            f"{variant.name}, {clients} clients: {len(load.errors)} errors, first: {load.errors[0]}"
        )
    used = sorted((after[p] - before.get(p, 0.0) for p in after), reverse=True)
    busy = [u for u in used if u > 0.05 * max(used[0], 1e-9)]
    share = used[0] / sum(used) if sum(used) else 1.0
    # Server CPU per request: what a request costs, much less moved by other load.
    cpu_ms = 1e3 * sum(used) / max(1, len(load.latencies_ms))
    return {
        "variant": variant.name,
        "kind": variant.kind,
        "workers": variant.workers,
        **load.figures,
        "busiest_process_cpu_share": share,
        "busy_processes": len(busy),
        "server_cpu_ms": cpu_ms,
        "startup_s": server.startup_s,
        "idle_wait_s": server.idle_wait_s,
    }


def measure(
    variant: Variant,
    settings: Settings,
    bodies: Requests,
    clients: Sequence[int],
    requests: int,
    seconds: float,
    warm: int = 400,
) -> list[dict[str, Any]]:
    """Start one variant and drive it at each level of concurrency; figures per level."""
    rows = []
    with serving(variant, settings, bodies, warm) as server:
        for n in clients:
            rows.append(level(server, n, requests, seconds))
            print(f"  {variant.name:<42} {n:>3} clients: {_line(rows[-1])}", flush=True)
    return rows


def paired(
    settings: Settings,
    ours: Variant,
    reference: Variant,
    bodies: Requests,
    clients: int = 16,
    rounds: int = 3,
    requests: int = 3000,
    seconds: float = 20.0,
    warm: int = 400,
) -> list[dict[str, Any]]:
    """Both servers up at once, driven in turn (ours, reference, ours, …) at ``clients``.

    Other users' load on this shared machine changes from minute to minute and moves both the
    throughput and the CPU per request by up to 1.5×; measured minutes apart, two servers can
    be compared under different machines. Driven in alternation, each round's ratio compares
    two measurements seconds apart; the median of the rounds is the figure. An idle server
    takes no CPU from the one being driven.
    """
    rows = []
    with (
        serving(ours, settings, bodies, warm) as a,
        serving(reference, settings, bodies, warm) as b,
    ):
        for number in range(1, rounds + 1):
            mine, theirs = (
                level(a, clients, requests, seconds),
                level(b, clients, requests, seconds),
            )
            rows.append(
                {
                    "round": number,
                    "clients": clients,
                    "ours": ours.name,
                    "reference": reference.name,
                    "rps": mine["rps"],
                    "reference_rps": theirs["rps"],
                    "server_cpu_ms": mine["server_cpu_ms"],
                    "reference_cpu_ms": theirs["server_cpu_ms"],
                    "ratio": mine["rps"] / theirs["rps"],
                }
            )
            print(
                f"  round {number}: {ours.name} {mine['rps']:.1f} req/s "
                f"({mine['server_cpu_ms']:.2f} ms CPU/req), {reference.name} "
                f"{theirs['rps']:.1f} req/s ({theirs['server_cpu_ms']:.2f} ms CPU/req), "
                f"ratio {rows[-1]['ratio']:.2f}",
                flush=True,
            )
    return rows


def paired_table(rows: list[dict[str, Any]]) -> str:
    header = (
        "round",
        "clients",
        "ours req/s",
        "ours CPU ms/req",
        "reference req/s",
        "reference CPU ms/req",
        "ratio",
    )
    return _markdown(
        header,
        [
            (
                r["round"],
                r["clients"],
                f"{r['rps']:,.1f}",
                f"{r['server_cpu_ms']:.2f}",
                f"{r['reference_rps']:,.1f}",
                f"{r['reference_cpu_ms']:.2f}",
                f"{r['ratio']:.2f}",
            )
            for r in rows
        ],
    )


def _markdown(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def paired_ratio(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The median round's ratio as the benchmark's figure, with the spread."""
    ratios = [r["ratio"] for r in rows]
    name = (
        f"http {rows[0]['ours']} vs {rows[0]['reference']}, {rows[0]['clients']} clients, "
        f"{len(rows)} alternating rounds"
    )
    return report(
        name,
        {
            "median_rps": float(np.median([r["rps"] for r in rows])),
            "median_reference_rps": float(np.median([r["reference_rps"] for r in rows])),
            "lowest_ratio": min(ratios),
            "highest_ratio": max(ratios),
        },
        float(np.median(ratios)),
        ">= 10",
    )


def _line(row: dict[str, Any]) -> str:
    return (
        f"p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  {row['rps']:7.1f} req/s"
        f"  server CPU {row['server_cpu_ms']:.2f} ms/req"
        f"  ({row['requests']} requests, {row['errors']} errors, "
        f"{row['reconnects']} idle connections reopened, busiest process "
        f"{row['busiest_process_cpu_share']:.0%} of server CPU)"
    )


def run(
    settings: Settings,
    variants: Sequence[Variant],
    clients: Sequence[int] = CLIENTS,
    requests: int = 2000,
    seconds: float = 15.0,
    firms: int = 200,
    warm: int = 400,
    bodies: Requests | None = None,
) -> list[dict[str, Any]]:
    """Every variant at every level, in one run; the rows of the table."""
    bodies = bodies or prepare(settings, firms)
    print(
        f"http: {len(bodies.ews)} firms, <= {requests} requests or {seconds:.0f} s per level, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    for variant in variants:
        rows += measure(variant, settings, bodies, clients, requests, seconds, warm)
    print(f"http: load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return rows


def ratios(rows: list[dict[str, Any]], clients: int = 16) -> list[dict[str, Any]]:
    """Each ews variant's throughput at ``clients`` over mlflow's with as many workers."""
    at = [r for r in rows if r["clients"] == clients]
    mlflow = {r["workers"]: r for r in at if r["kind"] == "mlflow"}
    results = []
    if not mlflow:
        print(f"[http] no mlflow reference at {clients} clients in this run, so no ratio")
    for row in at:
        reference = mlflow.get(row["workers"]) or next(iter(mlflow.values()), None)
        if row["kind"] != "ews" or reference is None:
            continue
        name = f"http {row['variant']} vs {reference['variant']}, {clients} clients"
        results.append(
            report(
                name,
                {
                    "rps": row["rps"],
                    "mlflow_rps": reference["rps"],
                },
                row["rps"] / reference["rps"],
                ">= 10",
            )
        )
    for row in rows:
        if row["kind"] == "ews" and row["clients"] == 1:
            results.append(
                report(
                    f"http {row['variant']}, 1 client",
                    {
                        "p50_ms": row["p50_ms"],
                        "p99_ms": row["p99_ms"],
                    },
                    1.0,
                    "p50 <= 5 ms, p99 <= 20 ms",
                )
            )
    return results


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        "server",
        "clients",
        "p50 ms",
        "p99 ms",
        "req/s",
        "server CPU ms/req",
        "requests",
        "errors",
        "busiest proc",
    )
    return _markdown(
        header,
        [
            (
                r["variant"],
                r["clients"],
                f"{r['p50_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                f"{r['rps']:,.1f}",
                f"{r['server_cpu_ms']:.2f}",
                r["requests"],
                r["errors"],
                f"{r['busiest_process_cpu_share']:.0%}",
            )
            for r in rows
        ],
    )


def http_speed(world: object, rows: int) -> list[dict[str, Any]]:
    """The suite's entry: the EWS_* world, ``rows`` requests per level (at most 20 s each).

    ``EWS_BENCH_HTTP`` picks the variants of the table by name (comma-separated: ews1, ews2,
    ews2quiet, gunicorn2, reuseport2, mlflow1, mlflow2; default ews1, ews2, mlflow1, mlflow2;
    empty for none). Then ``EWS_BENCH_PAIR`` (default the recommended ``ews2`` and mlflow2) is
    driven in ``EWS_BENCH_ROUNDS`` alternating rounds at 16 clients (default 3; 0 skips them):
    the ratio of record.
    """
    settings = get_settings()
    named = named_variants(settings)
    chosen = os.environ.get("EWS_BENCH_HTTP", "ews1,ews2,mlflow1,mlflow2")
    variants = [named[n] for n in chosen.split(",") if n]
    requests = max(50, rows)
    bodies = prepare(settings)
    measured = run(settings, variants, requests=requests, seconds=20.0, bodies=bodies)
    if measured:
        print(table(measured), flush=True)
    results = ratios(measured)
    rounds = int(os.environ.get("EWS_BENCH_ROUNDS", "3"))
    ours, reference = os.environ.get("EWS_BENCH_PAIR", f"{RECOMMENDED},mlflow2").split(",")
    if rounds > 0:
        print(
            f"http: {ours} and {reference} in {rounds} alternating rounds at 16 clients", flush=True
        )
        pairs = paired(
            settings, named[ours], named[reference], bodies, rounds=rounds, requests=requests
        )
        print(paired_table(pairs), flush=True)
        results.append(paired_ratio(pairs))
    return results
