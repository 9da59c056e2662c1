"""A survey import with workers reads, hashes and segments in a forked process ahead of the one that
stores: the same rows, warnings and errors as in one process, and nothing half-stored when either fails."""

from __future__ import annotations

import multiprocessing
import os
import warnings

import pytest

from qualcode.core.errors import InputError, QualcodeError
from qualcode.core.i18n import _
from qualcode.core.workers import can_fork
from qualcode.ingest.readers import NoAnswerWarning
from qualcode.ingest.service import import_survey

from helpers import make_project, write_cp1252_csv

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this system: the reading runs in one process")


def _rows(n: int) -> list[list[str]]:
    rows = [["id", "stadsdel", "motivering", "förbättring"]]
    for i in range(n):
        answer = "" if i % 7 == 3 else ("-" if i % 11 == 5 else f"Svar {i}: ärendena är för många på Söder")
        rows.append([f"R{i}", ["Älvsjö", "Farsta", "Östermalm"][i % 3], answer, f"Lokalerna {i} är trånga" if i % 2 else ""])
    return rows


def _stored(project) -> dict[str, list]:
    store = project.store
    docs = {d.id: d for d in store.iter_documents()}
    return {
        "documents": [(d.name, d.kind, d.text, d.meta) for d in docs.values()],
        "segments": [(docs[s.document_id].name, s.unit, s.idx, s.start, s.end, s.lemmas) for s in store.iter_segments()],
        "respondents": sorted(store.respondents()),
    }


def _pids_of_segmenting(monkeypatch, log) -> None:
    """Each process that segments writes its pid to `log` (a forked process's memory is its own)."""
    from qualcode.ingest import segment

    segment_texts = segment.segment_texts

    def logged(*args, **kwargs):
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", logged)


def _import(tmp_path, name, rows, workers, **kw):
    with make_project(tmp_path / name) as project, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (tmp_path / f"{name}-filer").mkdir()
        result = import_survey(project, write_cp1252_csv(tmp_path / f"{name}-filer" / "enkat.csv", rows), ["motivering", "förbättring"],
                               id_column="id", workers=workers, **kw)
        return result, _stored(project), sorted(str(w.message) for w in caught)


def test_read_ahead_stores_what_one_process_stores(tmp_path, monkeypatch):
    from qualcode.ingest import service

    monkeypatch.setattr(service, "BATCH", 9)
    log = tmp_path / "pids.txt"
    _pids_of_segmenting(monkeypatch, log)
    one, stored_one, warned_one = _import(tmp_path, "ett", _rows(120), workers=1)
    log.unlink()
    two, stored_two, warned_two = _import(tmp_path, "tva", _rows(120), workers=2)
    assert stored_two == stored_one and len(stored_one["documents"]) > 100
    assert (two.documents, two.segments, two.respondents) == (one.documents, one.segments, one.respondents) == (
        len(stored_one["documents"]), len(stored_one["segments"]), 120)
    assert warned_two == warned_one and any("-" in w for w in warned_one)  # the '-' cells: no answers, warned once
    pids = set(log.read_text(encoding="utf-8").split())
    assert pids and str(os.getpid()) not in pids  # the batches were segmented in another process
    assert not multiprocessing.active_children()


def test_a_warning_while_reading_ahead_reaches_the_caller_as_itself(tmp_path, monkeypatch):
    from qualcode.ingest import service

    monkeypatch.setattr(service, "BATCH", 5)
    with make_project(tmp_path / "p") as project, pytest.warns(NoAnswerWarning) as caught:
        import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _rows(60)), ["motivering"], id_column="id", workers=2)
    w = next(w.message for w in caught if isinstance(w.message, NoAnswerWarning))
    assert w.info.value is not None or w.info.hint is not None  # its structured parts came along


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_in_a_later_batch_stores_nothing(tmp_path, monkeypatch, workers):
    """A NUL character in row 50 (batches of 10): the same one-line error, and the batches before it are gone again."""
    from qualcode.ingest import service

    monkeypatch.setattr(service, "BATCH", 10)
    rows = _rows(80)
    rows[50][2] = "Trasig\0rad"
    with make_project(tmp_path / "p") as project:
        with pytest.raises(InputError, match="NUL") as err:
            import_survey(project, write_cp1252_csv(tmp_path / "e.csv", rows), ["motivering"], id_column="id", workers=workers)
        assert err.value.info.hint is not None and err.value.info.hint.option == "encoding"
        assert project.store.stats()["documents"] == 0 and project.store.row_counts()["respondents"] == 0
    assert not multiprocessing.active_children()


class _OwnArguments(Exception):
    """An error whose class wants other arguments than its message (as UnknownCodeError does)."""

    def __init__(self, column: str, *, row: int):
        super().__init__(f"kolumnen {column} rad {row}")
        self.row = row


def test_an_error_of_any_class_comes_back_as_itself(tmp_path, monkeypatch):
    from qualcode.ingest import segment, service

    monkeypatch.setattr(service, "BATCH", 10)
    segment_texts, calls = segment.segment_texts, []

    def third_batch_fails(*args, **kwargs):
        calls.append(1)  # counted in the reading process: its own copy of the list
        if len(calls) == 3:
            raise _OwnArguments("motivering", row=31)
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", third_batch_fails)
    with make_project(tmp_path / "p") as project:
        with pytest.raises(_OwnArguments) as err:
            import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _rows(80)), ["motivering"], id_column="id", workers=2)
        assert (str(err.value), err.value.row) == ("kolumnen motivering rad 31", 31)
        assert project.store.stats()["documents"] == 0 and project.store.row_counts()["imports"] == 0


def test_a_reading_process_that_dies_is_named_and_nothing_is_stored(tmp_path, monkeypatch):
    from qualcode.ingest import segment, service

    monkeypatch.setattr(service, "BATCH", 10)
    segment_texts, calls = segment.segment_texts, []

    def killed(*args, **kwargs):  # as the kernel's out-of-memory killer would
        calls.append(1)
        if len(calls) == 3:
            os._exit(9)
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", killed)
    with make_project(tmp_path / "p") as project:
        with pytest.raises(QualcodeError) as err:
            import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _rows(80)), ["motivering"], id_column="id", workers=2)
        assert str(err.value) == _("the process reading the file ended without a word (out of memory?) — nothing was imported")
        assert project.store.stats()["documents"] == 0 and project.store.row_counts()["respondents"] == 0


def test_when_storing_fails_the_reading_process_is_stopped(tmp_path, monkeypatch):
    from qualcode.ingest import service
    from qualcode.store.database import Store

    monkeypatch.setattr(service, "BATCH", 10)
    add, calls = Store.add_document_rows, []

    def disk_full(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disken är full")
        return add(self, *args, **kwargs)

    monkeypatch.setattr(Store, "add_document_rows", disk_full)
    with make_project(tmp_path / "p") as project:
        with pytest.raises(OSError, match="disken"):
            import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _rows(400)), ["motivering"], id_column="id", workers=2)
        assert project.store.stats()["documents"] == 0
    assert not multiprocessing.active_children()


def test_replace_with_workers_names_only_the_answers_really_gone(tmp_path):
    """The names read (to find stored answers a new version lacks) come back from the reading process."""
    rows = _rows(40)
    with make_project(tmp_path / "p") as project:
        path = write_cp1252_csv(tmp_path / "enkat.csv", rows)
        import_survey(project, path, ["motivering"], id_column="id", workers=2)
        rows[1][2] = "Ett nytt svar om handledningen"
        del rows[2]  # R1 removed from the new version
        write_cp1252_csv(path, rows)
        with pytest.warns(Warning) as caught:
            result = import_survey(project, path, ["motivering"], id_column="id", on_change="replace", workers=2)
    gone = [str(w.message) for w in caught if "not in the new version" in str(w.message) or "inte i den nya" in str(w.message)]
    assert len(gone) == 1 and "enkat:R1:motivering" in gone[0], gone
    assert [r.name for r in result.replaced] == ["enkat:R0:motivering"]


def _numbered(rows: list[str]) -> list[list[str]]:
    return [["stadsdel", "motivering"]] + [["Farsta", r] for r in rows]


ANSWERS = [f"Svar {i}: {w}" for i, w in enumerate(
    ["lokalerna är trånga", "chefen lyssnar", "för många ärenden", "handledningen hjälper", "lönen är låg",
     "bra introduktion", "mycket administration", "kollegorna stöttar", "svårt att rekrytera", "nya it-stödet krånglar"])]


@pytest.mark.parametrize("workers", [1, 2])
def test_replacing_numbered_rows_after_a_removed_row_is_refused_and_keeps_the_codings(tmp_path, workers):
    """Without an id column the rows are numbered: a new version with row 3 removed would put answer 4's
    text under answer 3's codings, and so on down. Refused in one line; nothing changes."""
    from qualcode.coding.service import add_codes

    with make_project(tmp_path / "p") as project:
        path = write_cp1252_csv(tmp_path / "enkat.csv", _numbered(ANSWERS))
        import_survey(project, path, ["motivering"], workers=workers)
        by_text = {s.text: s.id for s in project.store.iter_segments()}
        add_codes(project, [by_text[ANSWERS[3]]], ["P08"])
        before = sorted((d.name, d.text) for d in project.store.iter_documents())
        write_cp1252_csv(path, _numbered(ANSWERS[:2] + ANSWERS[3:]))  # row 3 removed
        with pytest.raises(InputError) as err:
            import_survey(project, path, ["motivering"], on_change="replace", workers=workers)
        assert "3" in str(err.value) and err.value.info.hint.option == "as_new"
        assert sorted((d.name, d.text) for d in project.store.iter_documents()) == before
        coded = [s.text for s in project.store.iter_segments() if any(c.code_id == "P08" for c in project.store.codings_for_segment(s.id))]
        assert coded == [ANSWERS[3]]  # the coding stays on its answer


def test_replacing_numbered_rows_with_ordinary_edits_goes_on(tmp_path):
    """Edits in place (and short answers that recur) are no shift: the new version replaces them."""
    with make_project(tmp_path / "p") as project:
        rows = ANSWERS[:6] + ["Bra", "Bra", "Inget", "Bra"]
        path = write_cp1252_csv(tmp_path / "enkat.csv", _numbered(rows))
        import_survey(project, path, ["motivering"])
        edited = [r + " (rättat)" if i % 2 else r for i, r in enumerate(rows[:6])] + ["Inget", "Bra", "Bra", "Inget"]
        write_cp1252_csv(path, _numbered(edited))
        result = import_survey(project, path, ["motivering"], on_change="replace")
        assert len(result.replaced) == 6
        assert sorted(d.text for d in project.store.iter_documents()) == sorted(edited)
