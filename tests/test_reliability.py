"""Concurrent writers, crashes, a full disk and a read-only project: one true line, nothing lost."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.coding.service import add_codes
from qualcode.ingest.service import import_notes
from qualcode.project import find_project
from qualcode.store.database import DB_NAME, Store
from qualcode.store.schema import imports as imports_table

from helpers import make_project, project_dump

runner = CliRunner()


def _survey(path: Path, n: int) -> Path:
    rows = ["id;stadsdel;svar"]
    rows += [f"R{i};Bromma;Svar nummer {i} om arbetsmiljön, lokalerna och handledningen {i * 7}." for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def coded_project(tmp_path):
    """A project with one note of five paragraphs (segments to code while an import runs)."""
    note = tmp_path / "intervju.txt"
    note.write_text("\n\n".join(f"Stycke {i} om lokalerna." for i in range(5)) + "\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [note])
        segment_ids = [s.id for s in p.store.iter_segments()]
    return tmp_path / "p", segment_ids


def _qualcode(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "qualcode.cli.main", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, **(env or {})},
    )


def test_codings_saved_while_an_import_runs(coded_project, tmp_path):
    root, segment_ids = coded_project
    survey = _survey(tmp_path / "enkat.csv", 6000)
    proc = _qualcode("import", "survey", str(survey), "--text", "svar", "--id", "id", "-p", str(root))
    added_during = 0
    added: list[tuple[int, str]] = []
    codes = ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10"]
    for i, code in enumerate(codes):
        seg = segment_ids[i % len(segment_ids)]
        with find_project(root) as p:
            add_codes(p, [seg], [code], coder="bo")
        added.append((seg, code))
        if proc.poll() is None:
            added_during += 1
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    # The codings were saved while the import was still running: it did not hold the lock.
    assert added_during >= 1
    with find_project(root) as p:
        saved = {(c.segment_id, c.code_id) for c, _ in p.store.iter_codings(coder="bo")}
        assert saved == set(added)
        assert p.store.stats()["documents"] == 1 + 6000
        status = [c.name for c in imports_table.columns].index("status")
        assert [r[status] for r in p.store.table_rows("imports")] == ["complete"] * 2


def _processes_with(word: str) -> list[int]:
    """The processes whose command line holds `word`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = open(f"/proc/{entry}/cmdline", "rb").read().decode("utf-8", "replace")
            except OSError:
                continue
            if word in cmdline:
                found.append(int(entry))
    return found


def test_a_killed_import_is_rolled_back_at_the_next_open(coded_project, tmp_path):
    root, _ = coded_project
    before = project_dump(root)
    from qualcode.ingest.service import BATCH

    # Two batches: the kill comes while the second is segmented (with one, the import may be done before it).
    survey = _survey(tmp_path / "enkat.csv", BATCH + 10_000)
    proc = _qualcode("import", "survey", str(survey), "--text", "svar", "--id", "id", "-p", str(root))
    deadline = time.monotonic() + 120
    with Store.open(root / DB_NAME) as watcher:
        while True:  # wait until the import has committed a batch, then crash it
            stored = watcher.row_counts()["documents"]
            if stored > 1:
                break
            assert proc.poll() is None and time.monotonic() < deadline, "the import never committed a batch"
            time.sleep(0.01)
        # Meanwhile the unfinished import is not shown.
        assert watcher.stats()["documents"] == 1
        assert [d.name for d in watcher.iter_documents()] == ["intervju.txt"]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert project_dump(root) == before  # opening rolled the unfinished import back
    # the process that read ahead for it ends too (its pipe has no reader): none is left behind
    deadline = time.monotonic() + 20
    while _processes_with(str(survey)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_with(str(survey))
    result = runner.invoke(app, ["corpus", "list", "-p", str(root), "--format", "csv"])
    assert result.exit_code == 0
    assert result.output.count("\n") == 2  # header and the note


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="processes read from /proc")
def test_a_killed_notes_import_leaves_no_segmenting_process(coded_project, tmp_path):
    """A notes import segments its large batches in a pool of forked processes; killed while one
    works, the pool's process ends too instead of waiting for work for ever (it did: found 2026-12-05)."""
    root, _ = coded_project
    folder = tmp_path / "anteckningar-som-dodas"
    folder.mkdir()
    for i in range(120):
        (folder / f"n{i}.txt").write_text("\n\n".join(
            f"Stycke {j} i intervju {i}: lokalerna är trånga och handledningen hjälper i ärendena." for j in range(800)),
            encoding="utf-8")
    proc = _qualcode("import", "notes", str(folder), "-p", str(root))
    deadline = time.monotonic() + 120
    while len(_processes_with(str(folder))) < 2:  # the command and its segmenting process
        assert proc.poll() is None and time.monotonic() < deadline, "no segmenting process started"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while _processes_with(str(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_with(str(folder))


def test_a_lock_that_cannot_be_had_names_its_holder_in_one_line(coded_project, monkeypatch):
    root, segment_ids = coded_project
    before = project_dump(root)
    monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", "0.2")
    with Store.open(root / DB_NAME) as holder:  # an import between two batches' commits
        with holder.transaction():
            import_id = holder.add_import("stor-enkat.csv", "survey", {}, status="running")
        with holder.transaction():
            result = runner.invoke(app, ["code", "add", str(segment_ids[0]), "P01", "-p", str(root)])
        holder.discard_import(import_id)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "är låst: importen av 'stor-enkat.csv' (process " in lines[0]
    assert "inget sparades" in lines[0]
    assert project_dump(root) == before


def test_background_retraining_lets_the_coder_save(coded_project, monkeypatch):
    """Suggestions are scored before the write transaction: a save during scoring goes through."""
    import qualcode.suggest.service as service

    root, segment_ids = coded_project
    with find_project(root) as p:
        add_codes(p, segment_ids[:3], ["P13"], coder="anna")
    monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", "0.5")
    real = service.segment_tokens  # the scoring step's tokens (from the stored lemmas)
    saved = []

    def tokenize_and_save(*args, **kwargs):
        if not saved:  # the coder saves while the model scores
            with find_project(root) as other:
                add_codes(other, [segment_ids[4]], ["P01"], coder="anna")
            saved.append(True)
        return real(*args, **kwargs)

    with find_project(root) as p:
        service.train_project(p, cv=0)
        monkeypatch.setattr(service, "segment_tokens", tokenize_and_save)
        service.suggest_project(p)
    assert saved
    with find_project(root) as p:
        assert p.store.find_coding(segment_ids[4], "P01", "anna") is not None


def test_a_full_disk_gives_one_line_and_changes_nothing(coded_project, tmp_path, monkeypatch):
    root, _ = coded_project
    before = project_dump(root)
    big = tmp_path / "lang.txt"
    big.write_text("\n\n".join(f"Ett långt stycke {i} " + "om arbetsmiljön " * 40 for i in range(400)), encoding="utf-8")
    real_open = Store.open

    def open_on_a_full_disk(path, create=False):
        store = real_open(path, create)
        pages = store.conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        store.conn.exec_driver_sql(f"PRAGMA max_page_count = {pages + 2}")  # what SQLite sees on a full disk
        return store

    monkeypatch.setattr(Store, "open", staticmethod(open_on_a_full_disk))
    result = runner.invoke(app, ["import", "notes", str(big), "-p", str(root)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("fel: disken är full") and "inget sparades" in lines[0]
    monkeypatch.undo()
    assert project_dump(root) == before


def _without_root_powers() -> list[str]:
    """A prefix that runs a command as root without the power to ignore file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file read-only for this user")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def test_a_read_only_project_says_so_in_one_line(coded_project):
    root, segment_ids = coded_project
    before = project_dump(root)
    modes = {p: p.stat().st_mode for p in [root, *root.iterdir()]}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        proc = subprocess.run(
            [*_without_root_powers(), sys.executable, "-m", "qualcode.cli.main", "code", "add",
             str(segment_ids[0]), "P01", "-p", str(root)],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "är skrivskyddat" in lines[0] and "inget sparades" in lines[0]
    assert "skadad" not in lines[0]
    assert project_dump(root) == before


@pytest.fixture
def reported(tmp_path):
    """A coded project and a complete report of it in `out`."""
    note = tmp_path / "n.md"
    note.write_text("---\nstadsdel: Bromma\n---\n\nLokalerna är trånga.\n\nChefen stöttar oss.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [note])
        segs = [s.id for s in p.store.iter_segments()]
        add_codes(p, segs[:1], ["P13"])
        add_codes(p, segs[1:], ["P05"])
    out = tmp_path / "rapport"
    r = runner.invoke(app, ["report", "-p", str(tmp_path / "p"), "--out", str(out), "--min-cell", "0"])
    assert r.exit_code == 0, r.output
    return tmp_path / "p", out


def _broken_save(exc: BaseException):
    def save(self, target, *args, **kwargs):
        Path(str(target)).write_bytes(b"PK\x03\x04 half a file")  # what a kill mid-write leaves
        raise exc
    return save


@pytest.mark.parametrize("where, killed", [
    ("docx.document.Document.save", "rapport.docx"),
    ("openpyxl.workbook.workbook.Workbook.save", "rapport.xlsx"),
    ("matplotlib.figure.Figure.savefig", "diagram/"),
])
def test_report_killed_mid_way_leaves_the_old_files(reported, monkeypatch, where, killed):
    import zipfile

    from helpers import files_state

    root, out = reported
    before = files_state(out)
    assert {"rapport.md", "rapport.docx", "rapport.xlsx"} <= set(before) and any(k.startswith("diagram") for k in before)
    monkeypatch.setattr(where, _broken_save(KeyboardInterrupt()))
    r = runner.invoke(app, ["report", "-p", str(root), "--out", str(out), "--min-cell", "0"])
    assert r.exit_code != 0  # interrupted (click turns Ctrl-C into Abort)
    after = files_state(out)
    assert set(after) == set(before)  # no temporary file left
    for name, data in after.items():
        if name.startswith(killed):
            assert data == before[name], name  # the file being written when killed is the old one
        elif name.endswith((".docx", ".xlsx")):
            assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None  # any file replaced is complete
        elif name.endswith(".png"):
            assert data.startswith(b"\x89PNG")


def test_a_full_disk_while_writing_the_report_gives_one_line(reported, monkeypatch):
    import errno

    from helpers import files_state

    root, out = reported
    before = files_state(out)
    monkeypatch.setattr("docx.document.Document.save", _broken_save(OSError(errno.ENOSPC, "No space left on device")))
    r = runner.invoke(app, ["report", "-p", str(root), "--out", str(out), "--min-cell", "0"])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fel: disken är full: kunde inte skriva"), r.output
    assert "rapport.docx" in lines[0] and "den gamla filen är orörd" in lines[0]
    after = files_state(out)
    assert after["rapport.docx"] == before["rapport.docx"] and not [k for k in after if ".tmp-" in k]


def test_a_stage_folder_left_by_a_killed_report_is_removed_by_the_next(reported):
    """kill -9 mid-report leaves its `.rapport.tmp-PID-…` folder: the next report removes it once its
    process is gone and it is over an hour old; a young one, or a running process's, stays."""
    root, out = reported
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    hour_ago = time.time() - 2 * 3600
    left = out / f".rapport.tmp-{pid}-0badc0de"
    young = out / f".rapport.tmp-{pid}-1badc0de"
    running = out / f".rapport.tmp-{os.getpid()}-2badc0de"
    other = out / f".annan.tmp-{pid}-3badc0de"
    for folder in (left, young, running, other):
        (folder / "diagram").mkdir(parents=True)
        (folder / "rapport.md").write_text("halv", encoding="utf-8")
    for folder in (left, running, other):
        os.utime(folder, (hour_ago, hour_ago))
    r = runner.invoke(app, ["report", "-p", str(root), "--out", str(out), "--min-cell", "0"])
    assert r.exit_code == 0, r.output
    assert not left.exists()
    assert young.exists() and running.exists() and other.exists()


def test_a_writer_waiting_for_the_lock_is_seen_by_the_one_holding_it(db_target):
    """A bulk writer asks between the parts of its transaction: a coder's save that waits is seen
    (SQLite: her mark beside the database; PostgreSQL: her ungranted lock), and gone once she has it."""
    import threading

    Store.open(db_target, create=True).close()
    with Store.open(db_target) as holder, Store.open(db_target) as coder:
        assert not holder.writers_waiting()
        saved = threading.Event()

        def save() -> None:
            with coder.transaction():
                coder.set_info("sparat", "ja")
            saved.set()

        with holder.transaction():
            t = threading.Thread(target=save)
            t.start()
            deadline = time.monotonic() + 5
            while not holder.writers_waiting() and time.monotonic() < deadline:
                time.sleep(0.005)
            assert holder.writers_waiting()
            assert not saved.is_set()
        holder.let_writers_in()  # returns once she has the lock (at most a quarter of a second)
        t.join(5)
        assert saved.is_set()
        assert not holder.writers_waiting()
        assert coder.get_info("sparat") == "ja"
    if isinstance(db_target, Path):
        assert not [p.name for p in db_target.parent.iterdir() if "-wait-" in p.name]


def test_a_mark_left_by_a_killed_writer_is_not_waited_for(tmp_path, monkeypatch):
    from qualcode.store import waiting

    monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", "0.5")
    db = tmp_path / DB_NAME
    stale = tmp_path / f"{DB_NAME}-wait-99999-1"
    stale.touch()
    assert waiting.waiting(db)
    old = time.time() - 10
    os.utime(stale, (old, old))
    assert not waiting.waiting(db)
    t0 = time.monotonic()
    waiting.let_in(db)
    assert time.monotonic() - t0 < 0.1


def test_suggest_run_lets_a_waiting_writer_in_and_stores_the_same(coded_project, monkeypatch):
    """The command line's suggest run commits the parts it has when someone waits, then goes on:
    the same suggestions are stored as in one transaction."""
    import qualcode.suggest.service as service
    from qualcode.core.records import MODEL_CODER

    root, segment_ids = coded_project
    with find_project(root) as p:
        add_codes(p, segment_ids[:3], ["P13"], coder="anna")
        service.train_project(p, cv=0)
        service.suggest_project(p, segments="all")
        whole = sorted((c.segment_id, c.code_id, c.score) for c, _s in p.store.iter_codings(coder=MODEL_CODER))
    monkeypatch.setattr(service, "STORE_SIZE", 4)
    monkeypatch.setattr(service, "YIELD_SIZE", 1)
    asked: list[bool] = []
    let_in: list[bool] = []
    monkeypatch.setattr(Store, "writers_waiting", lambda self: asked.append(True) or len(asked) % 2 == 1)
    monkeypatch.setattr(Store, "let_writers_in", lambda self: let_in.append(True))
    with find_project(root) as p:
        service.suggest_project(p, segments="all")
        parts = sorted((c.segment_id, c.code_id, c.score) for c, _s in p.store.iter_codings(coder=MODEL_CODER))
    assert len(let_in) >= 2  # five segments, a part each, someone waiting after every other part
    assert whole and parts == whole


def test_an_import_lets_a_waiting_writer_in_between_parts_and_stores_the_same(tmp_path, monkeypatch):
    """Each batch is stored in parts; when someone waits after a part, the parts so far are committed
    and a new transaction stores the rest: the same rows as in one transaction, nothing twice."""
    import qualcode.ingest.service as ingest

    survey = _survey(tmp_path / "enkat.csv", 60)

    def imported(root_name: str) -> None:
        with make_project(tmp_path, name=root_name) as p:
            r = ingest.import_survey(p, survey, ["svar"], id_column="id")
        assert r.documents == 60 and r.segments == 60 and r.respondents == 60

    imported("one")
    monkeypatch.setattr(ingest, "PART", 7)
    asked: list[bool] = []
    let_in: list[bool] = []
    monkeypatch.setattr(Store, "writers_waiting", lambda self: asked.append(True) or len(asked) % 3 == 0)
    monkeypatch.setattr(Store, "let_writers_in", lambda self: let_in.append(True))
    imported("parts")
    assert len(let_in) >= 2
    with find_project(tmp_path / "one") as a, find_project(tmp_path / "parts") as b:
        def rows(p: object) -> list[tuple[object, ...]]:
            return [(s.id, s.document_id, s.document_name, s.idx, s.start, s.end, s.lemmas, s.text, s.meta)
                    for s in p.store.iter_segments()]  # type: ignore[attr-defined]
        assert rows(a) == rows(b)
        assert a.store.stats() == b.store.stats()
