"""How many processes a command-line run may use, and the forked pool they run in.

A forked process inherits what the parent has loaded (a spaCy pipeline, a fitted model), so
the work handed to it is only its input. Forking is used only from the command line, where the
process runs no other threads; the library's default is one process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def default_workers() -> int:
    """Processes for a command-line run: one per core this process may use, at most 2."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(2, cores))


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _ignore_interrupts() -> None:
    """Ctrl-C is the parent's to handle: it stops handing out work and shuts the pool down (a
    worker interrupted too would print its own traceback, and its half-done work is thrown away)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def end_with_parent(parent: int, every: float = 0.5) -> None:
    """In a forked process: end it when the process `parent` is gone (killed, out of memory).

    A pool's worker waits for work on a pipe whose writing end it inherited itself, so a parent's
    death alone would leave it waiting for ever; a thread here looks every `every` seconds."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _worker_start(parent: int) -> None:
    _ignore_interrupts()
    end_with_parent(parent)


@contextmanager
def forked_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` forked processes, shut down (waiting for them) on leaving."""
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start,
                             initargs=(os.getpid(),)) as pool:
        yield pool
