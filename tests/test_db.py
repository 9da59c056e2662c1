"""Projects on PostgreSQL: `init --db`, `QUALCODE_DB`, `db copy` between engines, `db info`."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from qualcode.cli.main import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def pg_url():
    """A new, empty PostgreSQL database (dropped after the test); skips without QUALCODE_TEST_PG (fails on CI)."""
    from conftest import pg_database

    with pg_database() as url:
        yield url


def _fill(root) -> None:
    """Notes with metadata, codings with a memo, a key quote and a survey, through the CLI."""
    notes = root.parent / f"notes-{root.name}"
    notes.mkdir()
    (notes / "a.md").write_text("Arbetslokalerna är trånga.\n\nAdministratören hjälper oss.\n", encoding="utf-8")
    (notes / "b.md").write_text("Kontorslokalen saknar tysta rum.\n\nLönen är för låg, säger Åsa.\n", encoding="utf-8")
    survey = root.parent / f"enkät-{root.name}.csv"
    survey.write_text("id;stadsdel;kommentar\nr1;Bromma;Bättre lön\nr2;Älvsjö;\nr3;Farsta;Trånga lokaler\n", encoding="utf-8")
    for args in (
        ("import", "notes", str(notes), "--meta", "termin=HT2016"),
        ("import", "survey", str(survey), "--text", "kommentar", "--id", "id"),
        ("code", "add", "1", "P13", "--memo", "trångt"),
        ("code", "add", "2", "P06"),
        ("code", "add", "3", "P13"),
    ):
        r = run(*args, "-p", str(root))
        assert r.exit_code == 0, (args, r.output)
    _every_table(root)


def _every_table(root) -> None:
    """A row in every other table: a model blob, a float score, flags, a sample, a detached coding."""
    from qualcode.core.records import MODEL_CODER
    from qualcode.project import find_project

    with find_project(root) as project:
        st = project.store
        segs = [s.id for s in st.iter_segments()]
        with st.transaction():
            st.save_model("m1", "cb", {"n": 3}, {"f1": 0.1 + 0.2}, bytes(range(256)) * 4)
            st.upsert_coding(segs[1], "T-LON", MODEL_CODER, "suggested", score=0.1 + 0.2, model_version="m1",
                             reason="nyckelord: lön")
            st.flag_quote(segs[0], "anna", "bra citat — Åsa")
            st.mark_reviewed(segs[0], "anna")
            st.save_sample("dubbel", 7, {"n": 2}, segs[:2])
            st.save_tag_state("anna", "s1", {"at": segs[0]})
            doc = st.get_segment(segs[0]).document_id
            st.detach_coding(doc, "P02", "anna", "manual", "borta", True, "gammal text", 0, 5)


def _outputs(env: dict[str, str] | None = None, project: str | None = None) -> tuple[str, str]:
    where = ["-p", project] if project else []
    counts = run("counts", *where, "--format", "csv", env=env)
    codings = run("code", "list", *where, "--format", "csv", env=env)
    assert counts.exit_code == 0 and codings.exit_code == 0, counts.output + codings.output
    return counts.stdout, codings.stdout


def _hashes(location) -> dict[str, tuple[int, str]]:
    from qualcode.project import find_project
    from qualcode.store_admin import content_hashes

    with find_project(location) as project:
        return content_hashes(project)


# -- no server needed ---------------------------------------------------------------------


def test_init_refuses_a_password_in_the_url_and_writes_nothing(tmp_path):
    root = tmp_path / "proj"
    r = run("init", str(root), "--db", "postgresql+psycopg://anna:hemligt@db.example.org/studie")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1
    assert "hemligt" not in r.output
    assert "innehåller ett lösenord" in r.stderr and "PGPASSWORD" in r.stderr and "PGPASSFILE" in r.stderr
    assert not root.exists()


def test_an_unreachable_server_or_missing_database_is_one_line(tmp_path):
    assert run("init", str(tmp_path / "a"), "--coder", "anna").exit_code == 0
    r = run("db", "copy", str(tmp_path / "a"), "postgresql+psycopg://anna@127.0.0.1:1/studie")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "kunde inte ansluta till PostgreSQL på 127.0.0.1:1" in r.stderr
    r = run("init", str(tmp_path / "b"), "--db", "postgresql+psycopg://anna@127.0.0.1:1/studie")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and not (tmp_path / "b").exists()


def test_init_refuses_an_engine_qualcode_does_not_run_on(tmp_path):
    r = run("init", str(tmp_path / "p"), "--db", "mysql://anna@db/studie")
    assert r.exit_code == 1 and "stöds inte" in r.stderr
    assert not (tmp_path / "p").exists()


def test_sqlite_project_keeps_its_settings_in_the_database_too(tmp_path):
    from qualcode.project import SETTINGS_KEY, find_project

    root = tmp_path / "proj"
    assert run("init", str(root), "--coder", "anna", "--name", "Lönestudien").exit_code == 0
    with find_project(root) as project:
        assert project.store.get_info(SETTINGS_KEY)["name"] == "Lönestudien"
        project.config["coder"] = "bo"
        project.save_config()
    (root / "qualcode.yaml").unlink()  # the database's copy is used when there is no qualcode.yaml
    with find_project(root) as project:
        assert (project.config["name"], project.coder) == ("Lönestudien", "bo")


def test_copy_to_a_folder_that_holds_a_project_is_refused(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("init", str(a), "--coder", "anna").exit_code == 0
    assert run("init", str(b), "--coder", "bo").exit_code == 0
    before = {p.name: p.read_bytes() for p in b.iterdir()}
    r = run("db", "copy", str(a), str(b))
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "innehåller redan ett projekt" in r.stderr
    assert {p.name: p.read_bytes() for p in b.iterdir()} == before


def test_copy_sqlite_to_sqlite_folder_keeps_content_and_settings(tmp_path):
    a, b = tmp_path / "a", tmp_path / "kopia"
    assert run("init", str(a), "--coder", "anna", "--name", "Studien").exit_code == 0
    _fill(a)
    r = run("db", "copy", str(a), str(b), "--format", "json")
    assert r.exit_code == 0, r.output
    tables = json.loads(r.stdout)
    assert all(t["match"] for t in tables) and {t["table"] for t in tables} >= {"codes", "documents", "codings"}
    assert yaml.safe_load((b / "qualcode.yaml").read_text(encoding="utf-8"))["name"] == "Studien"
    assert _hashes(a) == _hashes(b)
    assert _outputs(project=str(a)) == _outputs(project=str(b))


def test_db_info_on_sqlite(tmp_path):
    from qualcode.store.database import HEAD

    root = tmp_path / "proj"
    assert run("init", str(root), "--coder", "anna").exit_code == 0
    _fill(root)
    r = run("db", "info", "-p", str(root), "--format", "json")
    assert r.exit_code == 0, r.output
    info = {row["property"]: row["value"] for row in json.loads(r.stdout)}
    assert info["engine"] == "sqlite"
    assert info["url"] == f"sqlite:///{(root / 'qualcode.db').absolute()}"
    assert (info["revision"], info["current"]) == (HEAD, True)
    assert info["size_bytes"] == (root / "qualcode.db").stat().st_size
    assert (info["documents"], info["codings"], info["respondents"]) == (4, 4, 3)


# -- on PostgreSQL ------------------------------------------------------------------------


def test_init_on_postgresql_keeps_the_url_in_the_yaml_and_opens_by_url_alone(tmp_path, pg_url, monkeypatch):
    root = tmp_path / "proj"
    r = run("init", str(root), "--db", pg_url, "--coder", "anna", "--name", "Lönestudien")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in root.iterdir()) == ["qualcode.yaml"]
    assert yaml.safe_load((root / "qualcode.yaml").read_text(encoding="utf-8"))["db"] == pg_url
    _fill(root)
    by_folder = _outputs(project=str(root))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # QUALCODE_DB alone: the settings (coder, name) come from the database
    assert _outputs(env={"QUALCODE_DB": pg_url}) == by_folder
    r = run("status", "--format", "json", env={"QUALCODE_DB": pg_url})
    assert r.exit_code == 0, r.output
    from qualcode.project import find_project, locate_project

    monkeypatch.setenv("QUALCODE_DB", pg_url)
    with find_project(locate_project()) as project:
        assert (project.folder, project.config["name"], project.coder) == (None, "Lönestudien", "anna")
    assert list(elsewhere.iterdir()) == []


def test_init_on_a_database_that_holds_a_project_is_refused(tmp_path, pg_url):
    assert run("init", str(tmp_path / "a"), "--db", pg_url).exit_code == 0
    r = run("init", str(tmp_path / "b"), "--db", pg_url)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "innehåller redan ett qualcode-projekt" in r.stderr
    assert not (tmp_path / "b").exists()


def test_qualcode_db_overrides_the_yaml_and_the_folder_settings_win(tmp_path, pg_url):
    pg_root = tmp_path / "pg"
    assert run("init", str(pg_root), "--db", pg_url, "--coder", "bo").exit_code == 0
    local = tmp_path / "local"
    assert run("init", str(local), "--coder", "anna").exit_code == 0
    _fill(pg_root)
    from qualcode.project import find_project, locate_project

    with find_project(locate_project(local, db=pg_url)) as project:
        assert project.coder == "anna"  # the folder's qualcode.yaml
        assert project.store.stats()["documents"] == 4  # the data of the database


def test_copy_sqlite_to_postgresql_and_back_gives_identical_content(tmp_path, pg_url):
    a, back = tmp_path / "a", tmp_path / "tillbaka"
    assert run("init", str(a), "--coder", "anna", "--name", "Studien").exit_code == 0
    _fill(a)
    first = _outputs(project=str(a))
    r = run("db", "copy", str(a), pg_url)
    assert r.exit_code == 0, r.output
    assert "Kopierade projektet" in r.stderr
    assert _outputs(env={"QUALCODE_DB": pg_url}) == first
    r = run("db", "copy", pg_url, str(back), "--format", "json")
    assert r.exit_code == 0, r.output
    assert all(t["match"] for t in json.loads(r.stdout))
    from qualcode.project import ProjectLocation

    assert _hashes(a) == _hashes(ProjectLocation(None, pg_url)) == _hashes(back)
    assert _outputs(project=str(back)) == first
    assert yaml.safe_load((back / "qualcode.yaml").read_text(encoding="utf-8"))["name"] == "Studien"
    # ids continue after the copied ones: a new coding on PostgreSQL gets the next id
    r = run("code", "add", "4", "P06", env={"QUALCODE_DB": pg_url})
    assert r.exit_code == 0, r.output


def test_copy_to_a_database_that_holds_a_project_is_refused(tmp_path, pg_url):
    a = tmp_path / "a"
    assert run("init", str(a), "--coder", "anna").exit_code == 0
    assert run("init", str(tmp_path / "pg"), "--db", pg_url, "--coder", "bo").exit_code == 0
    before = _hashes_url(pg_url)
    r = run("db", "copy", str(a), pg_url)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "innehåller redan ett projekt" in r.stderr
    assert _hashes_url(pg_url) == before


def _hashes_url(url: str) -> dict[str, tuple[int, str]]:
    from qualcode.project import ProjectLocation

    return _hashes(ProjectLocation(None, url))


def test_db_info_on_postgresql(tmp_path, pg_url):
    from qualcode.store.database import HEAD

    root = tmp_path / "proj"
    assert run("init", str(root), "--db", pg_url).exit_code == 0
    _fill(root)
    r = run("db", "info", "-p", str(root), "--format", "json")
    assert r.exit_code == 0, r.output
    info = {row["property"]: row["value"] for row in json.loads(r.stdout)}
    assert (info["engine"], info["url"], info["revision"], info["current"]) == ("postgresql", pg_url, HEAD, True)
    assert info["size_bytes"] > 1_000_000  # pg_database_size: a new database is several MB
    assert (info["documents"], info["codings"], info["respondents"]) == (4, 4, 3)


def test_the_workspace_opens_a_project_by_its_database_alone(tmp_path, pg_url):
    from starlette.testclient import TestClient

    from qualcode.project import ProjectLocation
    from qualcode.web.app import create_app

    assert run("init", str(tmp_path / "p"), "--db", pg_url, "--name", "Webbstudien").exit_code == 0
    client = TestClient(create_app(ProjectLocation(None, pg_url), token="t", retrain_every=0))
    page = client.get("/?token=t")
    assert page.status_code == 200 and "Webbstudien" in page.text


def test_verify_names_exactly_the_tables_that_differ(tmp_path):
    from qualcode.project import find_project
    from qualcode.store.copy import reading, verify
    from qualcode.store.engine import get_engine
    from qualcode.store.schema import metadata
    from qualcode.store_admin import copy_project

    a, b = tmp_path / "a", tmp_path / "b"
    assert run("init", str(a), "--coder", "anna").exit_code == 0
    _fill(a)
    report = copy_project(a, b)
    assert report.ok
    assert run("code", "add", "4", "P06", "-p", str(b)).exit_code == 0  # the copy changes afterwards
    with find_project(b) as project, reading(get_engine(project.store.url)) as conn:
        checks = verify(conn, report.tables, list(metadata.sorted_tables))
    assert sorted(c.table for c in checks if not c.ok) == ["audit", "codings"]


def test_copy_exits_non_zero_on_a_mismatch(tmp_path, monkeypatch):
    import qualcode.store.copy as copy

    a = tmp_path / "a"
    assert run("init", str(a), "--coder", "anna").exit_code == 0
    real = copy.table_digest

    def wrong_codes(conn, table):
        n, digest = real(conn, table)
        return (n, "0" * 64) if table.name == "codes" else (n, digest)

    monkeypatch.setattr(copy, "table_digest", wrong_codes)
    r = run("db", "copy", str(a), str(tmp_path / "b"))
    assert r.exit_code == 1
    assert "skiljer sig från källan i codes" in r.stderr
    assert "│ codes " in r.stdout and "NEJ" in r.stdout


def test_copy_takes_the_settings_of_the_folders_yaml_along(tmp_path, pg_url, monkeypatch):
    a = tmp_path / "a"
    assert run("init", str(a), "--coder", "anna", "--name", "Studien").exit_code == 0
    config = yaml.safe_load((a / "qualcode.yaml").read_text(encoding="utf-8"))
    config["coder"] = "bo"  # edited by hand: the database's copy of the settings is older
    (a / "qualcode.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert run("db", "copy", str(a), pg_url).exit_code == 0
    from qualcode.project import ProjectLocation, find_project

    with find_project(ProjectLocation(None, pg_url)) as project:
        assert (project.config["name"], project.coder) == ("Studien", "bo")


@pytest.fixture
def pg_sv_url():
    """A new PostgreSQL database whose text sorts by ICU's Swedish collation ('a' before 'B')."""
    from conftest import pg_database

    with pg_database("qc_test_sv", "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'sv-SE' LOCALE 'C.UTF-8'") as url:
        yield url


def test_hashes_agree_on_a_database_that_sorts_text_its_own_way(tmp_path, pg_sv_url):
    from qualcode.project import ProjectLocation, find_project

    a = tmp_path / "a"
    assert run("init", str(a), "--coder", "anna").exit_code == 0
    _fill(a)
    with find_project(a) as project:  # two coders whose names sort differently by code point and in Swedish
        seg = next(iter(project.store.iter_segments())).id
        with project.store.transaction():
            for coder in ("Bo", "anna", "Åsa", "Zoran"):
                project.store.mark_reviewed(seg, coder)
        before = project.store.content_hash()
    r = run("db", "copy", str(a), pg_sv_url)
    assert r.exit_code == 0, r.output
    with find_project(ProjectLocation(None, pg_sv_url)) as project:
        assert project.store.content_hash() == before
    assert _hashes(a) == _hashes(ProjectLocation(None, pg_sv_url))
