"""The background retrainer: a spawned child process with its own project, on both engines."""

from __future__ import annotations

import os
from functools import partial

import pytest

from helpers import fail_with, make_project, suggest_one
from qualcode.coding.retrain import Retrainer, RetrainError
from qualcode.core.errors import CodebookError, InputError
from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn


@pytest.fixture
def project(tmp_path, project_db):
    project = make_project(tmp_path, db=project_db)
    st = project.store
    with st.transaction():
        for n in range(3):
            doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar nummer {n}", {}), f"h{n}")
            st.add_segments([SegmentIn(doc, "response", 0, 5, 5, "")])
    yield project
    project.close()


def _suggestions(project):
    return [(c.segment_id, c.code_id, c.reason) for c, _s in project.store.iter_codings(coder=[MODEL_CODER])]


def test_the_trainer_runs_in_another_process_on_its_own_project(project):
    r = Retrainer(project.location or project.root, partial(suggest_one, code="P03", last=True), every=2)
    assert not r.maybe_start(1) and not r.busy
    assert r.maybe_start(2)
    assert r.busy and not r.maybe_start(5)  # one at a time
    r.join(60)
    assert not r.busy and r.finished.is_set() and (r.runs, r.error) == (1, None)
    [(segment, code, reason)] = _suggestions(project)  # written by the child, read here
    assert (segment, code) == (project.store.segment_ids()[-1], "P03")
    pid, count = reason.split(", ")
    assert pid != f"pid {os.getpid()}" and count == "3 segment"
    assert r.maybe_start(2)  # and again
    r.join(60)
    assert (r.runs, r.error) == (2, None)


def test_a_thread_runs_the_same_trainer_in_this_process(project):
    r = Retrainer(project.location or project.root, partial(suggest_one, code="P02"), every=1, in_thread=True)
    assert r.maybe_start(1)
    r.join(60)
    assert (r.runs, r.error) == (1, None)
    [(_, code, reason)] = _suggestions(project)
    assert code == "P02" and reason.startswith(f"pid {os.getpid()},")


def test_errors_in_the_child_come_back(project):
    root = project.location or project.root
    r = Retrainer(root, partial(fail_with, kind="input"), every=1)
    r.maybe_start(1)
    r.join(60)
    assert isinstance(r.error, InputError) and str(r.error) == "ingen träningsdata"
    assert r.error.info.hint.command == ("tag",) and r.runs == 0 and r.finished.is_set()

    r.trainer = partial(fail_with, kind="unknown-code")  # its class cannot be rebuilt: the nearest that can
    r.maybe_start(1)
    r.join(60)
    assert type(r.error) is CodebookError and "'P99'" in str(r.error) and r.error.info.valid == ("P01", "P02")
    assert r.error.info.hint.command == ("codebook", "list")

    r.trainer = partial(fail_with, kind="runtime")
    r.maybe_start(1)
    r.join(60)
    assert isinstance(r.error, RuntimeError) and str(r.error) == "disken är full"

    r.trainer = partial(fail_with, kind="exit")
    r.maybe_start(1)
    r.join(60)
    assert isinstance(r.error, RetrainError) and "(slutkod 3)" in str(r.error)

    r.trainer = partial(suggest_one, code="P01")  # a later run that works clears the error
    r.maybe_start(1)
    r.join(60)
    assert (r.runs, r.error) == (1, None) and len(_suggestions(project)) == 1


def test_a_trainer_the_child_cannot_import_is_refused_at_once(project):
    with pytest.raises(TypeError, match="module-level function"):
        Retrainer(project.root, lambda p: None)
    Retrainer(project.root, lambda p: None, in_thread=True)  # a thread needs no import
    Retrainer(project.root, None)  # no trainer: never runs

