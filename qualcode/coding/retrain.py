"""Background retraining: a child process that retrains the suggester after enough new decisions.

The child is started with the 'spawn' method and opens its own Project, so no connection, lock or
thread state is shared with the session; its CPU work (training, scoring 1,000,000 segments) runs
under its own interpreter lock, so the coder's next segment does not wait behind it as it did with
a thread in the same process.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import QualcodeError
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from qualcode.project import Project

Trainer = Callable[["Project"], Any]


class RetrainError(QualcodeError):
    """The retraining process ended without saying how (killed, out of memory, crashed)."""


class Retrainer:
    """Runs a trainer in the background once `every` new decisions have been made.

    The trainer gets its own Project and writes new suggestions to the store; views read them from
    there, so no hand-over is needed. It runs in a spawned child process (the trainer must then be
    a module-level function, so that the child can import it); `in_thread=True` runs it in a thread
    of this process instead. `busy`, `finished`, `runs`, `error` and `join` are the same either way:
    an exception in the child comes back as `error` (a QualcodeError keeps its message and hint).
    As with any spawned process, the child imports the main script again: a script that starts a
    retraining keeps its work under `if __name__ == "__main__":`.
    """

    def __init__(self, root: Any, trainer: Trainer | None, every: int = 25, *, in_thread: bool = False):
        self.root = root
        self.trainer = trainer
        self.every = every
        self.in_thread = in_thread
        if trainer is not None and not in_thread:
            try:
                pickle.dumps(trainer)
            except Exception as exc:
                raise TypeError(f"a retrainer's child process imports its trainer: {trainer!r} is not a module-level function") from exc
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.error: Exception | None = None  # the last failure, for the front end to render
        self.finished = threading.Event()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def maybe_start(self, new_decisions: int) -> bool:
        if self.trainer is None or self.every <= 0 or new_decisions < self.every or self.busy:
            return False
        self.finished.clear()
        if self.in_thread:
            target: Callable[[], None] = self._run_here
        else:
            ctx = multiprocessing.get_context("spawn")
            receive, send = ctx.Pipe(duplex=False)
            child = ctx.Process(target=_child, args=(self.root, self.trainer, send), name="qualcode-retrain", daemon=True)
            try:
                child.start()
            except Exception as exc:  # no process to be had: the session goes on and tries again later
                receive.close()
                self.error = exc
                return False
            finally:
                send.close()  # the child holds the sending end: its exit ends the pipe

            def target() -> None:
                self._wait_for(child, receive)
        # a thread waits for the outcome (for a child, it sleeps in recv and holds no lock while it waits)
        self._thread = threading.Thread(target=target, name="qualcode-retrain", daemon=True)
        self._thread.start()
        return True

    def _run_here(self) -> None:
        from qualcode.project import find_project

        trainer = self.trainer
        assert trainer is not None  # maybe_start runs nothing without one
        try:
            with find_project(self.root) as project:
                trainer(project)
            self._ended(None)
        except Exception as exc:  # the session goes on without new suggestions
            self._ended(exc)

    def _wait_for(self, child: Any, receive: Connection) -> None:
        try:
            try:
                error = receive.recv()
            except EOFError:  # the child ended without a word
                child.join()
                error = RetrainError(_("the retraining process ended unexpectedly (exit code {code})").format(code=child.exitcode))
            finally:
                receive.close()
            child.join()
        except Exception as exc:  # an outcome that could not be read
            error = exc
        self._ended(error)

    def _ended(self, error: Exception | None) -> None:
        if error is None:
            self.runs += 1
        self.error = error
        self.finished.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def _child(root: Any, trainer: Trainer, send: Connection) -> None:
    """The retraining process: open the project, train, send back None or the error."""
    # Ctrl-C in the terminal is for the session; the child ends with it (daemon) or finishes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from qualcode.project import find_project

    try:
        with find_project(root) as project:
            trainer(project)
        outcome: Exception | None = None
    except Exception as exc:
        outcome = _portable(exc)
    try:
        send.send(outcome)
    finally:
        send.close()


def _portable(exc: Exception) -> Exception:
    """`exc`, or an equivalent that survives pickling (some errors cannot be rebuilt from their args)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        pass
    if isinstance(exc, QualcodeError):
        try:
            hint = pickle.loads(pickle.dumps(exc.info.hint))
        except Exception:
            hint = None
        # the nearest class that takes QualcodeError's arguments (UnknownCodeError -> CodebookError)
        cls = next(c for c in type(exc).__mro__ if issubclass(c, QualcodeError) and c.__init__ is QualcodeError.__init__)
        return cls(str(exc), valid=exc.info.valid, hint=hint)
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def default_trainer() -> Trainer:
    """The suggestions package's project-level retrain function."""
    from qualcode.suggest.service import retrain_project

    return retrain_project
