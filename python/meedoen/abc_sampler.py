"""A repeatable ABC-SMC sampler on Dask: the configuration's seed decides every random choice.

pyabc's own Dask sampler reseeds NumPy's and Python's global generators from the operating
system in every task, so the particles it proposes (and every model seed drawn from them)
differ from run to run. ``SeededDaskSampler`` works as pyabc's does (jobs numbered in the order
they are started, the generation made of the results of jobs 0, 1, 2, ... up to the job that
gave the n-th accepted particle) but seeds job k of generation t from (seed, t, k): what each job
proposes and simulates, and so the generation, does not depend on the number of workers or on
the order in which they finish. ``samples`` counts the jobs up to that n-th accepted particle; a
cluster starts a few more in parallel, whose results are discarded.
"""

import random
import time
from collections.abc import Callable
from typing import Any

import cloudpickle
import numpy as np
from pyabc.population import Sample
from pyabc.sampler import Sampler

__all__ = ["SeededDaskSampler", "job_seed"]

POLL_SECONDS = 0.01


def job_seed(seed: int, t: int, job: int) -> int:
    """The 32-bit seed of job ``job`` of generation ``t`` (-1: the calibration sample)."""
    return int(np.random.SeedSequence([seed, t + 1, job]).generate_state(1)[0])


def _run_job(simulate_one_pickle: bytes, seed: int) -> Any:
    """One job on a worker: the global generators seeded, then one pyabc simulation."""
    simulate_one = cloudpickle.loads(simulate_one_pickle)
    random.seed(seed)
    np.random.seed(seed)
    return simulate_one()


class SeededDaskSampler(Sampler):
    """pyabc's sampler interface on a dask.distributed Client, every job seeded from ``seed``."""

    def __init__(self, client: Any, seed: int) -> None:
        super().__init__()
        self.client = client
        self.seed = seed

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["client"]
        return state

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,  # noqa: ARG002 (the interface's)
        ana_vars: Any = None,  # noqa: ARG002
    ) -> Sample:
        """Jobs 0, 1, 2, ... until the results in job order hold ``n`` accepted particles (or
        ``max_eval`` jobs gave fewer: the sample is then not ok)."""
        blob = cloudpickle.dumps(simulate_one)
        results: dict[int, Any] = {}
        running: dict[int, Any] = {}
        submitted = 0
        try:
            while True:
                for k in [k for k, future in running.items() if future.done()]:
                    results[k] = running.pop(k).result()
                last = _nth_accepted(results, n)
                if last is not None:  # earlier jobs still running can only move it forward
                    for k in [k for k in running if k > last]:
                        running.pop(k).cancel()
                    if not running:
                        break
                elif submitted >= max_eval and not running:
                    break  # max_eval jobs and still fewer than n accepted
                while last is None and len(running) < self._cores() and submitted < max_eval:
                    seed = job_seed(self.seed, t, submitted)
                    running[submitted] = self.client.submit(_run_job, blob, seed, pure=False)
                    submitted += 1
                time.sleep(POLL_SECONDS)
        finally:
            for future in running.values():
                future.cancel()
        return self._sample(results, n)

    def _cores(self) -> int:
        return max(1, sum(self.client.ncores().values()))

    def _sample(self, results: dict[int, Any], n: int) -> Sample:
        """The results of jobs 0 .. the n-th accepted one, in job order."""
        last = _nth_accepted(results, n)
        count = len(results) if last is None else last + 1  # every job before `last` is finished
        sample = self._create_empty_sample()
        for k in range(count):
            sample.append(results[k])
        self.nr_evaluations_ = count
        if sample.n_accepted < n:
            sample.ok = False
        return sample


def _nth_accepted(results: dict[int, Any], n: int) -> int | None:
    """The job number of the n-th accepted particle among the finished jobs, in job order; None
    when they hold fewer than n."""
    accepted = 0
    for k in sorted(results):
        accepted += bool(results[k].accepted)
        if accepted == n:
            return k
    return None
