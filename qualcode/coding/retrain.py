"""Background retraining: a thread that retrains the suggester after enough new decisions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualcode.project import Project

Trainer = Callable[["Project"], Any]


class Retrainer:
    """Runs a trainer in a background thread once `every` new decisions have been made.

    The trainer gets its own Project (SQLite connections are per thread) and writes new
    suggestions to the store; views read them from there, so no hand-over is needed.
    """

    def __init__(self, root: Any, trainer: Trainer | None, every: int = 25):
        self.root = root
        self.trainer = trainer
        self.every = every
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
        self._thread = threading.Thread(target=self._run, name="qualcode-retrain", daemon=True)
        self._thread.start()
        return True

    def _run(self) -> None:
        from qualcode.project import find_project

        trainer = self.trainer
        assert trainer is not None  # maybe_start runs no thread without one
        try:
            with find_project(self.root) as project:
                trainer(project)
            self.runs += 1
            self.error = None
        except Exception as exc:  # the session goes on without new suggestions
            self.error = exc
        finally:
            self.finished.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def default_trainer() -> Trainer:
    """The suggestions package's project-level retrain function."""
    from qualcode.suggest.service import retrain_project

    return retrain_project


