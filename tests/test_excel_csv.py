"""One CSV dialect for Swedish Excel: --excel (or `csv: excel` in qualcode.yaml) gives ';', decimal comma, BOM."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from helpers import make_project
from qualcode.cli.main import app
from qualcode.coding.service import add_codes
from qualcode.ingest.service import import_notes

runner = CliRunner()
BOM = "\ufeff"


def _project(tmp_path):
    for i, t in enumerate(["HT2016", "HT2016", "VT2017"]):
        (tmp_path / f"n{i}.md").write_text(f"---\ntermin: {t}\n---\nLokalerna är trånga, {i}.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, sorted(tmp_path.glob("n*.md")))
        add_codes(p, [next(p.store.iter_segments()).id], ["P13"], memo="trångt; mycket")
        return p.root


def test_counts_csv_excel(tmp_path):
    root = str(_project(tmp_path))
    plain = runner.invoke(app, ["counts", "--by", "termin", "--code", "P13", "--format", "csv", "-p", root]).stdout
    assert plain.startswith("code,name,HT2016,HT2016 %") and "50.0" in plain
    r = runner.invoke(app, ["counts", "--by", "termin", "--code", "P13", "--format", "csv", "--excel", "-p", root])
    assert r.exit_code == 0, r.output
    out = r.stdout.replace("\r\n", "\n")
    assert out.startswith(BOM + "code;name;HT2016;HT2016 %;VT2017;VT2017 %;Totalt;Totalt %\n")
    assert "P13;Lämpliga lokaler och fungerande arbetsredskap;1;50,0;0;0,0;1;33,3\n" in out


def test_project_setting_gives_the_same_dialect(tmp_path):
    root = _project(tmp_path)
    args = ["counts", "--by", "termin", "--code", "P13", "--format", "csv", "-p", str(root)]
    with_flag = runner.invoke(app, [*args, "--excel"]).stdout
    cfg = root / "qualcode.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["csv"] = "excel"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(app, args).stdout == with_flag


def test_code_list_and_matrix_excel(tmp_path):
    root = str(_project(tmp_path))
    r = runner.invoke(app, ["code", "list", "--format", "csv", "--excel", "-p", root])
    assert r.stdout.startswith(BOM + "coding;segment;code;coder;") and '"trångt; mycket"' in r.stdout
    out = tmp_path / "m.csv"
    r = runner.invoke(app, ["export", "matrix", str(out), "--excel", "-p", root])
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").startswith("id;kind;documents;termin;")


def test_mentions_csv_excel(tmp_path):
    path = tmp_path / "enkat.csv"
    path.write_text("id;langst_1\n1;lokaler\n2;mentorer\n3;lokaler\n", encoding="utf-8")
    r = runner.invoke(app, ["mentions", "count", str(path), "--columns", "langst_1", "--format", "csv", "--excel"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(BOM) and ";" in r.stdout.splitlines()[0] and "66,7" in r.stdout


def test_mentions_csv_follows_the_project_setting(tmp_path):
    """`csv: excel` in qualcode.yaml gives mentions the same dialect as --excel, as counts and code list."""
    from qualcode.ingest.service import import_survey

    path = tmp_path / "enkat.csv"
    path.write_text("id;langst_1;kommentar\n1;lokaler;Trångt.\n2;mentorer;Bra.\n3;lokaler;\n", encoding="utf-8")
    with make_project(tmp_path / "proj") as p:
        import_survey(p, path, ["kommentar"], "id")
        root = p.root
    args = ["mentions", "count", "--columns", "langst_1", "--format", "csv", "-p", str(root)]
    plain = runner.invoke(app, args)
    with_flag = runner.invoke(app, [*args, "--excel"])
    assert plain.exit_code == 0 and with_flag.exit_code == 0, plain.output + with_flag.output
    assert not plain.stdout.startswith(BOM) and with_flag.stdout.startswith(BOM + "set;column;group;category;")
    raw = with_flag.stdout_bytes
    assert b"\r\n" not in plain.stdout_bytes and raw.count(b"\r\n") == raw.count(b"\n") == 46  # line ends as emit's
    cfg = root / "qualcode.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["csv"] = "excel"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(app, args).stdout == with_flag.stdout
    # a file counted beside a project follows that project's setting too
    in_file = runner.invoke(app, ["mentions", "count", str(path), "--columns", "langst_1", "--format", "csv", "-p", str(root)])
    assert in_file.stdout == with_flag.stdout


def test_mentions_review_follows_the_same_choice(tmp_path):
    path = tmp_path / "enkat.csv"
    path.write_text("id;langst_1\n1;lokaler\n2;något helt annat\n", encoding="utf-8")
    args = ["mentions", "review", str(path), "--columns", "langst_1", "--all", "--format", "csv"]
    plain = runner.invoke(app, args)
    excel = runner.invoke(app, [*args, "--excel"])
    assert plain.exit_code == 0 and excel.exit_code == 0, plain.output + excel.output
    assert plain.stdout.startswith("answer,count,columns,")
    assert excel.stdout_bytes.startswith((BOM + "answer;count;columns;category;reason;evidence;candidates\r\n").encode())
