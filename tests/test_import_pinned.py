"""What an import stores, pinned row for row: a faster import must store exactly the same.

A small Swedish survey (UTF-8 with BOM, `;`, å ä ö, a `;` and a line break inside quoted cells,
decimal commas, an empty answer, the same answer from two respondents, a codes column) and two
interview notes are imported in every unit; then a changed survey is imported as new and replaced
in place. The rows of the tables an import writes are compared with tests/golden/import/store.json,
written by the import before it was made faster. Times, process ids, host names and the temporary
folder are masked; everything else (ids, texts, offsets, lemmas, metadata JSON, respondents,
content hashes, codings) must be equal, on either engine.

Regenerate the golden file only when a change of what is stored is intended:
QUALCODE_WRITE_GOLDEN=1 python -m pytest -q tests/test_import_pinned.py -k sqlite
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qualcode.ingest import segment, service
from qualcode.ingest.service import import_notes, import_survey, resegment
from qualcode.store import schema

from helpers import make_project

GOLDEN = Path(__file__).parent / "golden" / "import" / "store.json"
TABLES = ("imports", "documents", "segments", "respondents", "codings", "audit")
MASKED = {"created_at", "updated_at", "at", "pid", "host"}

SURVEY = (
    "\ufeffid;stadsdel;termin;betyg;motivering;förbättring;koder\r\n"
    "E1;Skärholmen;HT2017;2,5;\"För många ärenden; ingen hinner med. Chefen lyssnar, men inget händer!\";"
    "Färre ärenden per handläggare;P13\r\n"
    "E2;Älvsjö;VT2018;4;Bra chef och trevliga kollegor (t.ex. Åsa och Örjan);;\r\n"
    "E3;Östermalm;VT2018;3;;\"Mer tid för dokumentation\r\noch handledning\";P02, P13\r\n"
    "E4;Södermalm;HT2017;-1,25;Bra chef och trevliga kollegor (t.ex. Åsa och Örjan);  Lönen!!  ;\r\n"
    "E5;Bromma;VT2019;;   ;;\r\n"
    "E6;Hägersten-Älvsjö;HT2018;5;Arbetsbelastningen är för hög – 12 ärenden/vecka, 100 % av tiden?;"
    "Introduktionen för nyanställda: mentor, IT-stöd och e-post.;\r\n"
)

NOTE_A = """# Intervju med enhetschef

Hur ser arbetsbelastningen ut?

Vi har för många ärenden. Det märks i vardagen, särskilt på hösten! Men det har blivit bättre sedan förra mätningen.

Lokalerna är trånga och det saknas samtalsrum; vi bokar rum i huset bredvid.

## Kompetens

Jag får gå specialistutbildning. Vi tar emot socionomstudenter varje termin – det ger mycket.
"""

NOTE_B = "Administratören avlastar oss mycket.\n\n\nÄrendehandledningen ger stöd, och omorganisationen skapar oro i gruppen.\n"


def _masked(value: object, tmp: str) -> object:
    if isinstance(value, str):
        return value.replace(tmp, "<tmp>")
    return value


def _stored(project, tmp: str) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    for name in TABLES:
        columns = [c.name for c in schema.metadata.tables[name].columns]
        out[name] = [
            [None if col in MASKED else _masked(v, tmp) for col, v in zip(columns, row)]
            for row in project.store.table_rows(name)
        ]
    return out


def _build(tmp_path: Path, db: str | None, workers: int = 1) -> dict[str, list[list[object]]]:
    data = tmp_path / "data"
    data.mkdir()
    survey = data / "enkät.csv"
    survey.write_bytes(SURVEY.encode("utf-8"))
    (data / "intervju-a.md").write_text(NOTE_A, encoding="utf-8")
    (data / "intervju-b.txt").write_text(NOTE_B, encoding="utf-8")
    meta = ["stadsdel", "termin", "betyg"]
    with make_project(tmp_path, db=db) as project:
        import_survey(project, survey, ["motivering", "förbättring"], id_column="id", meta_columns=meta,
                      codes_columns=["koder"], workers=workers)
        import_notes(project, [data / "intervju-a.md"], meta={"roll": "chef"}, workers=workers)
        import_notes(project, [data / "intervju-b.txt"], unit="sentence", workers=workers)
        resegment(project, "sentence", kind="survey")
        changed = data / "ändrad" / "enkät.csv"
        changed.parent.mkdir()
        changed.write_bytes(SURVEY.replace("ingen hinner med", "ingen hinner med alls").encode("utf-8"))
        import_survey(project, changed, ["motivering", "förbättring"], id_column="id", meta_columns=meta,
                      on_change="new", workers=workers)
        survey.write_bytes(SURVEY.replace("Lönen!!", "Lönen och (t.ex.) friskvården!").encode("utf-8"))
        import_survey(project, survey, ["motivering", "förbättring"], id_column="id", meta_columns=meta,
                      on_change="replace", workers=workers)
        (data / "intervju-a.md").write_text(NOTE_A.replace("trånga", "ljusa"), encoding="utf-8")
        import_notes(project, [data / "intervju-a.md"], meta={"roll": "chef"}, on_change="replace", workers=workers)
        return _stored(project, str(tmp_path))


@pytest.mark.parametrize("workers", [1, 2])
def test_import_stores_the_pinned_rows(tmp_path, project_db, workers, monkeypatch):
    """With two workers every batch (of two documents here) is segmented in a forked process while
    the import stores the batch before: the same rows."""
    forks: list[int] = []
    if workers > 1:
        monkeypatch.setattr(service, "BATCH", 2)
        monkeypatch.setattr(segment, "PARALLEL_MIN_CHARS", 0)
        started = segment.Segmenter._started
        monkeypatch.setattr(segment.Segmenter, "_started", lambda self: forks.append(1) or started(self))
    got = json.loads(json.dumps(_build(tmp_path, project_db, workers), ensure_ascii=False))
    assert bool(forks) == (workers > 1)  # the batches did go to the forked process
    if os.environ.get("QUALCODE_WRITE_GOLDEN") and project_db is None and workers == 1:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for table in TABLES:
        assert got[table] == want[table], table
    assert len(want["documents"]) > 10 and len(want["segments"]) > 20  # the golden file is not empty


def test_the_golden_lemmas_are_lemmas():
    """The golden lemmas are the words' simplemma lemmas, lower case, punctuation left out."""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert {row[2] for row in want["segments"]} == {"response", "sentence", "paragraph"}
    lemmas = {row[6] for row in want["segments"]}
    assert "ärende" in " ".join(lemmas) and "chef" in " ".join(lemmas)
    assert not any(ch in " ".join(lemmas) for ch in ";!?()")
