"""Forked worker processes for the CPU-bound fits (training, the eval baseline): one per core, each with
one BLAS thread. What the tasks read is set in module globals before the fork, so the workers inherit it
instead of unpickling it; only the tasks' arguments and results are pickled."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")
R = TypeVar("R")

# The machine has two cores.
WORKERS = min(2, os.cpu_count() or 1)


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def _keep_freed_memory() -> None:
    """Large blocks from the heap, never given back to the kernel. A LogisticRegression liblinear fit copies its
    rows into a new 200 MB array (12.4 million entries at 81,907 worries: the eval baseline's fits, and
    training's before liblinear.SharedRows); glibc maps a block that large afresh each time and unmaps it on
    free, so the kernel zeroed 50,000 new pages for each of the hundred fits of a training run. Measured on
    one head: 49,000 page faults and 0.08 s of system time a fit (a tenth of it) before, none after the first.
    A worker lives for one training run, so its heap staying at its peak costs nothing; the server and the
    CLI's own process keep glibc's defaults. Other C libraries: no-op."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_MAX, 0)
    mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)


def init_worker() -> None:
    """The initializer of every worker."""
    # Each worker has a core: BLAS and OpenMP threads of its own would fight the other worker for it. The
    # intent softmax (L-BFGS, BLAS-bound) took 10.4 s beside a fold against 4.2 s alone.
    threadpool_limits(1)
    _keep_freed_memory()


def can_fork(n_tasks: int) -> bool:
    # Fork only from a single-threaded process (the CLI, the test session): forking a server that has
    # other threads running (ensure_model inside `serve`) could copy a lock held by one of them.
    return (
        WORKERS > 1
        and n_tasks > 1
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def fork_map(fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
    """fn over the tasks in forked workers, in order, one task at a time each (so put the biggest first);
    in this process when forking is not safe or not worth it. fn must be a module-level function."""
    return list(fork_imap(fn, tasks))


def fork_imap(fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
    """fork_map's results one by one, in order, as they come: the caller can work on the first ones while
    the workers run the rest. The workers live until the iterator is exhausted or closed; without them, each
    task runs in this process when its result is asked for."""
    if can_fork(len(tasks)):
        with multiprocessing.get_context("fork").Pool(min(WORKERS, len(tasks)), initializer=init_worker) as pool:
            yield from pool.imap(fn, tasks, chunksize=1)
        return
    for t in tasks:
        yield fn(t)


def fork_one() -> Any:
    """A pool of one forked worker, for work beside this process's own (its caller checks can_fork)."""
    return multiprocessing.get_context("fork").Pool(1, initializer=init_worker)
