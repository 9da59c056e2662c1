"""The command line's output of records: CSV and JSON written as the rows come (an iterator of a
project's every document or segment), a screen table of at most TABLE_ROWS rows."""

from __future__ import annotations

import csv
import io
import json

import pytest

from qualcode.cli import common
from qualcode.cli.common import emit

ROWS = [
    {"id": 1, "name": "Åsa:1", "meta": {"stadsdel": "Östermalm", "n": [1, 2]}, "score": 0.25},
    {"id": 2, "name": 'citat "inom" citat', "meta": {}, "score": None},
    {"id": 3, "name": "rad\nbryt", "meta": {"tom": ""}, "score": 12.5},
]


@pytest.mark.parametrize("rows", [[], ROWS[:1], ROWS, ROWS * 700])
def test_json_of_an_iterator_is_the_json_of_the_list(rows, capsys):
    emit(iter(rows), ["id", "name", "meta"], "json")
    out = capsys.readouterr().out
    assert out == json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"
    assert json.loads(out) == rows


@pytest.mark.parametrize("excel", [False, True])
def test_csv_of_many_rows_comes_in_pieces_and_reads_back(excel, capsys):
    rows = [{**r, "id": n} for n, r in enumerate(ROWS * 2000)]  # 6,000 rows: three pieces and a rest
    emit(iter(rows), ["id", "name", "score"], "csv", excel=excel)
    out = capsys.readouterr().out
    assert out.count("\ufeff") == (1 if excel else 0) and out.startswith("\ufeff" if excel else "id")
    read = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"), newline=""), delimiter=";" if excel else ","))
    assert [int(r["id"]) for r in read] == list(range(6000))
    assert read[1]["name"] == 'citat "inom" citat' and read[2]["name"] == "rad\nbryt"
    assert read[2]["score"] == ("12,5" if excel else "12.5")


def test_a_table_shows_the_first_rows_and_says_how_many_more(monkeypatch, capsys):
    monkeypatch.setattr(common, "TABLE_ROWS", 4)
    emit(({"id": n, "name": f"dokument {n}"} for n in range(10)), ["id", "name"])
    captured = capsys.readouterr()
    assert "dokument 3" in captured.out and "dokument 4" not in captured.out
    assert "4" in captured.err and "10" in captured.err and "--format csv" in captured.err
    emit(({"id": n, "name": f"dokument {n}"} for n in range(4)), ["id", "name"])
    captured = capsys.readouterr()
    assert "dokument 3" in captured.out and captured.err == ""
