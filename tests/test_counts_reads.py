"""Counts and the report never read the documents one by one: the database counts per group, once per command."""

from __future__ import annotations

from qualcode.analysis.code_counts import Documents, code_counts
from qualcode.coding.service import add_codes
from qualcode.export.builders import build_report
from qualcode.ingest.service import import_survey
from qualcode.project import init_project
from qualcode.store.database import Store


def _project(tmp_path, db=None):
    path = tmp_path / "enkat.csv"
    rows = ["id;stadsdel;termin;kommentar"] + [
        f"r{i};{['Bromma', 'Farsta', 'Älvsjö'][i % 3]};{['HT2016', 'VT2017'][i % 2]};Lokalerna är trånga, svar {i}."
        for i in range(30)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    p = init_project(tmp_path / "p", coder="anna", db=db)
    import_survey(p, path, ["kommentar"], id_column="id")
    ids = [s.id for s in p.store.iter_segments()]
    add_codes(p, ids[:20], ["P13"])
    add_codes(p, ids[10:25], ["T-LON"])
    return p


def _count_reads(monkeypatch):
    calls: dict[str, int] = {}
    for name in ("document_kinds_meta", "document_meta", "iter_documents", "meta_keys", "coded_rows",
                 "segment_counts", "group_sizes", "respondents"):
        real = getattr(Store, name)

        def counted(self, *a, _real=real, _name=name, **k):
            calls[_name] = calls.get(_name, 0) + 1
            return _real(self, *a, **k)

        monkeypatch.setattr(Store, name, counted)
    return calls


def test_a_report_reads_no_document_one_by_one(tmp_path, monkeypatch, project_db):
    p = _project(tmp_path, project_db)
    calls = _count_reads(monkeypatch)
    report = build_report(p, tmp_path / "rapport", by=("stadsdel", "termin"), quotes=0)
    assert report.parts  # two breakdowns, three units each: nine counts in all
    # metadata fields once; group sizes once per grouping (none, stadsdel, termin); no row per
    # document, and no survey texts read when the survey has no numbered questions
    assert calls == {"meta_keys": 1, "group_sizes": 3}
    p.close()


def test_shared_reads_give_the_counts_a_fresh_read_gives(tmp_path, project_db):
    p = _project(tmp_path, project_db)
    docs = Documents(p.store)
    for unit in ("segment", "document", "respondent"):
        for by in ((), ("stadsdel",), ("termin", "stadsdel")):
            shared = code_counts(p, by=by, unit=unit, documents=docs)
            fresh = code_counts(p, by=by, unit=unit)
            assert shared.to_records() == fresh.to_records() and shared.base_labels == fresh.base_labels
    assert code_counts(p, by=("stadsdel",), unit="document", documents=docs).to_records()[0]["Bromma"] == 7
    p.close()


def test_quotes_read_only_the_codings_they_show(tmp_path, monkeypatch, project_db):
    p = _project(tmp_path, project_db)  # P13 on 20 segments, T-LON on 15
    real = Store.iter_codings
    read: list[str] = []

    def counted(self, *a, **k):
        for coding, seg in real(self, *a, **k):
            read.append(coding.code_id)
            yield coding, seg

    monkeypatch.setattr(Store, "iter_codings", counted)
    report = build_report(p, tmp_path / "rapport", quotes=2)
    shown = [q for s in report.sections for c in s.codes for q in c.quotes]
    assert len(shown) == 4 and sorted(read) == ["P13", "P13", "T-LON", "T-LON"]
    p.close()


def test_a_questionnaire_is_still_found_without_reading_texts_first(tmp_path, project_db):
    path = tmp_path / "fragor.csv"
    path.write_text("id;roll;langst_1;langst_2;kommentar\nr1;chef;lokaler;mentorer;Bra.\nr2;chef;lokaler;;Trångt.\n"
                    "r3;;handledning;lokaler;\n", encoding="utf-8")
    p = init_project(tmp_path / "q", coder="anna", db=project_db)
    import_survey(p, path, ["langst_1", "langst_2", "kommentar"], id_column="id")
    assert p.store.survey_columns() == (["langst_1", "langst_2", "kommentar"], {"field", "respondent", "roll"}, 0)
    report = build_report(p, tmp_path / "rapport", by=("roll",), quotes=0, min_cell=0)
    (part,) = [q for q in report.parts if q.chapter == "questionnaire"]
    assert part.respondents == 3 and len(part.tables) == 2  # positions, and times named per roll
    p.close()
