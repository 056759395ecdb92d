"""Scale-out on Dask distributed: a LocalCluster by default, or an existing cluster.

Calibration, sensitivity analysis and large ensembles hand their model runs to
Dask workers. Each worker process runs the engine on one thread (the engine
releases the GIL), so a LocalCluster with one worker per core keeps every core
busy. ``scheduler`` names an existing cluster's scheduler (``tcp://host:8786``)
whose workers have meedoen installed at the same version.
"""

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from meedoen import interrupt
from meedoen.errors import InputError, flag_problem
from meedoen.progress import progress_bar

__all__ = ["check_scheduler", "dask_client", "map_in_order"]

T = TypeVar("T")
R = TypeVar("R")
CONNECT_TIMEOUT = 20.0  # seconds for reaching a scheduler and its handshake
SCHEDULER_ALLOWED = "the address of a running Dask scheduler, such as tcp://10.0.0.5:8786"
# What a scheduler says about itself first (distributed.comm.Comm.handshake_info).
HANDSHAKE_KEYS = {"compression", "python", "pickle-protocol"}


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A dask.distributed Client: to ``scheduler`` when given, else to a new LocalCluster.

    The LocalCluster has ``workers`` single-threaded worker processes (default:
    the number of cores) and is closed on exit. Raises InputError (key
    --scheduler) when the scheduler cannot be reached.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except (OSError, TimeoutError, ValueError) as error:
            raise _scheduler_problem(f"cannot reach {scheduler} ({error})") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with _workers_without_ctrl_c():
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # its HTTP routes (health, metrics) on a free port: the default 8787 may be taken
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster) as client:
        yield client


@contextmanager
def _workers_without_ctrl_c() -> Iterator[None]:
    """The worker processes started in the block ignore SIGINT (a child keeps an ignored signal):
    Ctrl-C in a terminal goes to every process of the job, and each worker would print its own
    KeyboardInterrupt traceback; this process stops and closes the cluster instead."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """InputError (``command line: --scheduler: ...``) unless a Dask scheduler answers at
    ``address`` within ``timeout`` seconds: not an address, nothing listening, a server that stays
    silent, or one that answers in another protocol (a web server, the dashboard's port)."""
    from distributed.comm import registry
    from distributed.comm.addressing import get_address_host_port, parse_address

    try:
        scheme, _ = parse_address(address)
        registry.get_backend(scheme)
        if scheme in ("tcp", "tls"):  # refused or unreachable: say so at once, not after retries
            socket.create_connection(get_address_host_port(address), timeout=timeout).close()
    except ValueError as error:
        raise _scheduler_problem(f"{address} is not an address ({error})") from None
    except TimeoutError:
        raise _scheduler_problem(f"nothing answers at {address} within {timeout:g} s") from None
    except OSError as error:
        raise _scheduler_problem(f"cannot connect to {address} ({error.strerror or error})") from None
    with ThreadPoolExecutor(1) as thread:  # its own event loop, also where one runs (Jupyter)
        answer = thread.submit(asyncio.run, _handshake(address, timeout)).result()
    if answer is not None:
        raise _scheduler_problem(answer)


async def _handshake(address: str, timeout: float) -> str | None:
    """What is wrong with the handshake of the server at ``address``; None when it is Dask's."""
    from distributed.comm import connect

    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # dask's own log lines about a failed handshake
    try:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
    except TimeoutError:
        return (
            f"{address} did not answer as a Dask scheduler within {timeout:g} s (a server that "
            "listens but speaks another protocol, such as a web server?)"
        )
    except Exception:  # whatever another protocol's bytes make of dask's reader
        return (
            f"{address} answered, but not as a Dask scheduler: is it a web server, or the "
            "dashboard's port? (a scheduler listens on 8786 by default, its dashboard on 8787)"
        )
    finally:
        quiet.setLevel(level)
    info = comm.remote_info
    await comm.close()
    if not HANDSHAKE_KEYS <= set(info):
        return f"{address} answered, but not with a Dask scheduler's handshake"
    return None


def _scheduler_problem(what: str) -> InputError:
    return InputError([flag_problem("--scheduler", f"{what} ({SCHEDULER_ALLOWED})")])


def map_in_order(
    client: Any, function: Callable[[T], R], items: Iterable[T], progress: bool = False, what: str = "running"
) -> list[R]:
    """``[function(item) for item in items]``, computed on the cluster; results in the items' order.

    An exception in any task cancels the rest and is raised here. ``progress``
    shows a bar on stderr as tasks finish, headed ``what``.
    """
    from dask.distributed import as_completed

    items = list(items)
    futures = client.map(_OnThisWorker(function), items, pure=False)
    index = {future.key: k for k, future in enumerate(futures)}
    results: list[Any] = [None] * len(items)
    try:
        with progress_bar(what, "model runs") if progress else _no_progress() as update:
            for done, future in enumerate(as_completed(futures), start=1):
                results[index[future.key]] = future.result()
                interrupt.check()
                if update is not None:
                    update(done, len(items))
    except BaseException:
        client.cancel(futures)
        raise
    return results


@dataclass(frozen=True)
class _OnThisWorker(Generic[T, R]):
    """``function`` run on a worker with Dask's synchronous scheduler: a task that reads results
    (lazy Dask arrays, meedoen.results) computes them there, not by sending a graph back to the
    cluster (whose scheduler cannot unpickle it)."""

    function: Callable[[T], R]

    def __call__(self, item: T) -> R:
        import dask

        with dask.config.set(scheduler="synchronous"):
            return self.function(item)


@contextmanager
def _no_progress() -> Iterator[None]:
    yield None
