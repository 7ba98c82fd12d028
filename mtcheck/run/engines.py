"""Engines run a check's partitions: here, one after the other, or on a Dask cluster (issue 14).

`engine.map(check, parts, context, progress)` takes the function that checks one partition from the
caller (the pipeline passes `partial(check_partition, options=..., desk=...)`, so nothing here imports
the pipeline), the partitions in order (mtcheck/run/partitions.py) and the survey's RunContext, and
returns each checked `Part` in that same order, so the outputs are written in the order of the input
whatever finished first. The function is the same in both engines: a row's scores depend on its texts
and on the RunContext, never on where it ran.
"""

from __future__ import annotations

import uuid
from collections import deque


class LocalEngine:
    """Partitions one after the other in this process; models load once and stay loaded."""

    name = "local"

    def map(self, check, parts, context, progress=None):
        done = progress("partitions", context.partitions) if progress and context.partitions > 1 else None
        for rows in parts:
            yield check(rows, context, progress=progress)
            release_memory()
            if done:
                done(1)

    def describe(self, partitions: int) -> dict:
        return {"name": self.name, "partitions": partitions}


def release_memory() -> None:
    """Hand the memory a finished partition freed back to the system (mtcheck.models.cpu.release_memory).

    A partition's frames are freed when it is done, but glibc keeps freed blocks in its heap, and
    the heap fragments: without this, a long run's resident memory grew by about half a megabyte a
    partition (benchmarks/bench_memory.py). Dask's workers get the same effect from
    MALLOC_TRIM_THRESHOLD_, which it sets for them.
    """
    from mtcheck.models.cpu import release_memory as trim

    trim()


class DaskEngine:
    """Partitions on a Dask cluster: the scheduler at `address`, or a LocalCluster of `workers` processes.

    The driver (this process) reads the input and sends each partition's rows to a worker; at most
    `in_flight` partitions per worker are out at once, so the driver's memory stays flat too. Each
    worker process loads its models once, on its first partition, and keeps them (models live in
    module-level caches; `MtcheckWorker` also points each worker at its persistent score cache).
    A worker that dies takes its running partition with it; the scheduler gives that partition to
    another worker (Dask retries a task up to `distributed.scheduler.allowed-failures` times, 3).
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int = 2, threads_per_worker: int = 1,
                 in_flight: int = 2) -> None:
        self.address, self.workers, self.threads = address, workers, threads_per_worker
        self.in_flight = in_flight
        self.client = None
        self._cluster = None

    def __enter__(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            from mtcheck.errors import UsageError

            raise UsageError("--engine dask needs dask.distributed, which is not installed",
                             hint="pip install 'mtcheck[dask]', or leave out --engine") from None
        if self.address:
            try:
                self.client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError) as exc:
                from mtcheck.errors import UsageError

                raise UsageError(f"cannot reach the Dask scheduler at {self.address}: {exc}",
                                 hint="start it with 'dask scheduler' and check the address (tcp://HOST:8786)") from None
        else:
            # Processes, not threads: the scorers hold the GIL for much of their time. Each worker is
            # one thread, since torch and ONNX Runtime already use the machine's cores.
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=self.threads, processes=True,
                                         dashboard_address=None, silence_logs=40)
            self.client = Client(self._cluster)
        self.client.register_plugin(MtcheckWorker(), name="mtcheck")
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()  # cancels what is still pending, after a failure
        if self._cluster is not None:
            self._cluster.close()
        self.client, self._cluster = None, None

    def map(self, check, parts, context, progress=None):
        if self.client is None:
            with self:
                yield from self.map(check, parts, context, progress)
            return
        done = progress("partitions (dask)", context.partitions) if progress else None
        # The run's context (margin pool vectors, duplicate index) and the checking function with its
        # options and editorial data go to every worker once.
        shared = self.client.scatter(context, broadcast=True)
        settings = self.client.scatter(check, broadcast=True)
        workers = max(1, len(self.client.scheduler_info().get("workers", {})) or self.workers)
        pending: deque = deque()
        run = uuid.uuid4().hex[:12]  # keys are unique per run: a client may run several checks
        for number, rows in enumerate(parts):
            pending.append(self.client.submit(_check, rows, settings, shared, key=f"mtcheck-partition-{number}-{run}",
                                              pure=False))
            while len(pending) >= workers * self.in_flight:
                yield self._result(pending.popleft(), done)
        while pending:
            yield self._result(pending.popleft(), done)

    def _result(self, future, done):
        try:
            part = future.result()
        except Exception as exc:
            from mtcheck.errors import MtcheckError

            if isinstance(exc, MtcheckError):
                raise
            raise RuntimeError(f"a Dask worker failed on {future.key}: {exc}") from exc
        finally:
            future.release()
        if done:
            done(1)
        return part

    def describe(self, partitions: int) -> dict:
        where = self.address or f"LocalCluster({self.workers} workers)"
        return {"name": self.name, "partitions": partitions, "scheduler": where}


def _check(rows, check, context):
    return check(rows, context)


try:  # the plugin base class only where dask is installed; the engine says what to install otherwise
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - dask not installed
    _PluginBase = object


class MtcheckWorker(_PluginBase):
    """Set up each worker process once: offline model loading, and quiet libraries.

    Models are not loaded here but on the worker's first partition (mtcheck's model caches are
    per process): which models a run needs depends on its options and inputs.
    """

    def setup(self, worker) -> None:
        import os

        # The packaged models are on disk; a worker must never try the network for weights.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
