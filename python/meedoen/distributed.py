"""Scale-out on Dask distributed: a LocalCluster by default, or an existing cluster.

Calibration, sensitivity analysis and large ensembles hand their model runs to
Dask workers. Each worker process runs the engine on one thread (the engine
releases the GIL), so a LocalCluster with one worker per core keeps every core
busy. ``scheduler`` names an existing cluster's scheduler (``tcp://host:8786``)
whose workers have meedoen installed at the same version.
"""

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from meedoen.errors import InputError
from meedoen.progress import progress_bar

__all__ = ["dask_client", "map_in_order"]

T = TypeVar("T")
R = TypeVar("R")
CONNECT_TIMEOUT = "20s"


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A dask.distributed Client: to ``scheduler`` when given, else to a new LocalCluster.

    The LocalCluster has ``workers`` single-threaded worker processes (default:
    the number of cores) and is closed on exit. Raises InputError (key
    --scheduler) when the scheduler cannot be reached.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as error:
            problem = f"cannot reach '{scheduler}' ({error}) (the address of a running dask scheduler)"
            raise InputError([f"command line: --scheduler: {problem}"]) from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def map_in_order(
    client: Any, function: Callable[[T], R], items: Iterable[T], progress: bool = False, what: str = "running"
) -> list[R]:
    """``[function(item) for item in items]``, computed on the cluster; results in the items' order.

    An exception in any task cancels the rest and is raised here. ``progress``
    shows a bar on stderr as tasks finish, headed ``what``.
    """
    from dask.distributed import as_completed

    items = list(items)
    futures = client.map(function, items, pure=False)
    index = {future.key: k for k, future in enumerate(futures)}
    results: list[Any] = [None] * len(items)
    try:
        with progress_bar(what, "model runs") if progress else _no_progress() as update:
            for done, future in enumerate(as_completed(futures), start=1):
                results[index[future.key]] = future.result()
                if update is not None:
                    update(done, len(items))
    except BaseException:
        client.cancel(futures)
        raise
    return results


@contextmanager
def _no_progress() -> Iterator[None]:
    yield None
