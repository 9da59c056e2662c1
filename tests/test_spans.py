"""Span coding: a coding covers code points start:end of its document (end exclusive)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import make_project
from qualcode.cli.main import app
from qualcode.coding.service import (
    add_codes,
    add_quote,
    add_span,
    document_codings,
    find_quote,
    remove_span_coding,
)
from qualcode.core.errors import InputError, NotFoundError
from qualcode.ingest.service import import_notes
from qualcode.project import find_project
from qualcode.store.database import SCHEMA_VERSION, Store

FIXTURE = Path(__file__).parent / "fixtures" / "spans" / "schema_v3.sql"

# å/ä/ö, an emoji outside the BMP (one code point, two UTF-16 units) and Windows line ends.
TEXT = (
    "Första stycket: lönen 😀 är för låg och arbetsmiljön är tung.\r\n\r\n"
    "Andra stycket: ärendemängden är för hög, säger Åsa.\r\n"
    "Hon vill ha handledning.\r\n\r\n"
    "Tredje stycket: lönen igen.\r\n"
)


@pytest.fixture
def proj(tmp_path, project_db):
    """The note in a project on each engine."""
    p = make_project(tmp_path, db=project_db)
    note = tmp_path / "intervju-åsa.txt"
    note.write_bytes(TEXT.encode("utf-8"))
    import_notes(p, [note])
    yield p
    p.close()


def doc_text(p) -> str:
    return p.store.find_document("intervju-åsa.txt").text


def at(text: str, words: str, n: int = 1) -> tuple[int, int]:
    i = -1
    for _ in range(n):
        i = text.index(words, i + 1)
    return i, i + len(words)


# -- migration ---------------------------------------------------------------------------


def test_migration_gives_old_segment_codings_their_segments_span(tmp_path):
    """A project written by the code before spans (schema 3) migrates without loss."""
    db = tmp_path / "old" / "qualcode.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    before = [tuple(r) for r in conn.execute("SELECT * FROM codings ORDER BY id")]
    segs = {r[0]: r[1:] for r in conn.execute("SELECT id, document_id, start, end FROM segments")}
    assert max(r[0] for r in conn.execute("SELECT version FROM schema_migrations")) == 3
    conn.close()

    store = Store.open(db)
    try:
        assert store.applied_migrations()[-1] == SCHEMA_VERSION
        after = {c.id: c for c in (store.get_coding(r[0]) for r in before)}
        assert len(after) == len(before) == 5
        n = store.row_counts()["codings"]
        assert n == len(before)
        for row in before:
            cid, seg_id, code, coder, source, score, model_version, reason, memo, created, updated = row
            c = after[cid]
            assert (c.segment_id, c.code_id, c.coder, c.source, c.score, c.model_version, c.reason, c.memo) == (
                seg_id, code, coder, source, score, model_version, reason, memo)
            assert (c.created_at, c.updated_at) == (created, updated)
            assert (c.document_id, c.start, c.end) == segs[seg_id]
            seg = store.get_segment(seg_id)
            assert store.span_text(c.document_id, c.start, c.end) == seg.text
        # the emoji paragraph keeps its exact text
        assert "😀" in store.span_text(after[1].document_id, after[1].start, after[1].end)
        assert store.flagged_quotes(by="anna") == {2}
        assert [(s, c) for s, _, c, _ in store.coded_rows()] == [(1, "T-LON"), (2, "P01"), (2, "P05"), (2, "P05")]
    finally:
        store.close()


# -- add, merge, remove ------------------------------------------------------------------


def test_add_span_offsets_are_code_points_with_aao_emoji_and_crlf(proj):
    text = doc_text(proj)
    start, end = at(text, "lönen 😀 är för låg")
    [c] = add_span(proj, "intervju-åsa.txt", start, end, ["T-LON"])
    assert (c.start, c.end) == (start, end)
    [row] = document_codings(proj, c.document_id)
    assert row.text == "lönen 😀 är för låg"
    assert (row.start, row.end, row.code_id, row.coder, row.source) == (start, end, "T-LON", "anna", "manual")
    seg = proj.store.get_segment(c.segment_id)
    assert seg.idx == 0 and seg.start <= start < end <= seg.end
    # a span across the line break inside paragraph 2 and on into paragraph 3
    s2, _ = at(text, "säger Åsa")
    _, e3 = at(text, "Tredje stycket")
    [long] = add_span(proj, c.document_id, s2, e3, ["P02"], coder="bertil")
    [_, row2] = document_codings(proj, c.document_id)
    assert row2.text == text[s2:e3] and row2.text.startswith("säger Åsa.") and row2.text.endswith("Tredje stycket")
    assert len(row2.segments) == 2
    assert [proj.store.get_segment(s).idx for s in row2.segments] == [1, 2]


def test_overlapping_spans_of_one_code_and_coder_merge_and_are_audited(proj):
    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    a = at(text, "lönen 😀 är")
    b = at(text, "är för låg och")
    [first] = add_span(proj, doc, *a, ["T-LON"], memo="lön")
    [second] = add_span(proj, doc, *b, ["T-LON"], memo="låg")
    assert second.id == first.id
    rows = document_codings(proj, doc)
    assert [(r.start, r.end) for r in rows] == [(a[0], b[1])]
    assert rows[0].memo == "lön\nlåg"
    merges = [e for e in proj.store.iter_audit() if e.action == "span.merge"]
    assert merges and merges[0].detail["start"] == a[0] and merges[0].detail["end"] == b[1]
    # another coder, another code, a nested span: all kept apart
    add_span(proj, doc, *b, ["T-LON"], coder="bertil")
    add_span(proj, doc, *at(text, "😀"), ["T-KLIMAT"])
    spans = {(r.code_id, r.coder, r.text) for r in document_codings(proj, doc)}
    assert spans == {("T-LON", "anna", "lönen 😀 är för låg och"), ("T-LON", "bertil", "är för låg och"),
                     ("T-KLIMAT", "anna", "😀")}


def test_separate_spans_in_one_segment_stay_separate_and_a_segment_coding_absorbs_them(proj):
    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    add_span(proj, doc, *at(text, "lönen"), ["T-LON"])
    add_span(proj, doc, *at(text, "arbetsmiljön"), ["T-LON"])
    assert len(document_codings(proj, doc)) == 2
    seg = next(proj.store.iter_segments(document=doc, unit="paragraph"))
    add_codes(proj, [seg.id], ["T-LON"])
    [row] = document_codings(proj, doc)
    assert (row.start, row.end) == (seg.start, seg.end)


def test_add_span_rejects_bad_spans_and_changes_nothing(proj):
    doc = proj.store.find_document("intervju-åsa.txt")
    for start, end in [(5, 5), (10, 3), (-1, 4), (0, len(doc.text) + 1)]:
        with pytest.raises(InputError, match="ogiltigt spann"):
            add_span(proj, doc.id, start, end, ["P01"])
    blank = doc.text.index("\n\n")
    with pytest.raises(InputError, match="blanktecken"):
        add_span(proj, doc.id, blank, blank + 2, ["P01"])
    with pytest.raises(NotFoundError):
        add_span(proj, "saknas.txt", 0, 4, ["P01"])
    assert document_codings(proj, doc.id) == []


def test_remove_span_coding_by_id_or_key(proj):
    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    add_span(proj, doc, *at(text, "lönen"), ["T-LON", "P01"])
    first, second = document_codings(proj, doc)
    remove_span_coding(proj, first.id)
    assert [r.id for r in document_codings(proj, doc)] == [second.id]
    with pytest.raises(InputError):
        remove_span_coding(proj, second.key, coder="bertil")
    removed = remove_span_coding(proj, second.key)
    assert removed.id == second.id and document_codings(proj, doc) == []
    assert [e.action for e in proj.store.iter_audit(limit=2)] == ["remove", "remove"]
    with pytest.raises(NotFoundError):
        remove_span_coding(proj, second.key)


def test_document_codings_include_suggestions_and_key_quotes(proj):
    from qualcode.coding.service import flag_quote

    doc = proj.store.find_document("intervju-åsa.txt").id
    segs = list(proj.store.iter_segments(document=doc, unit="paragraph"))
    proj.store.upsert_coding(segs[1].id, "P08", "qualcode", "suggested", score=0.6, reason="handledning")
    add_span(proj, doc, *at(doc_text(proj), "handledning"), ["P08"])
    flag_quote(proj, segs[1].id)
    rows = document_codings(proj, doc)
    by = {(r.coder, r.source): r for r in rows}
    assert by[("qualcode", "suggested")].score == 0.6 and by[("qualcode", "suggested")].reason == "handledning"
    assert by[("qualcode", "suggested")].text == segs[1].text
    assert by[("anna", "manual")].text == "handledning" and by[("anna", "manual")].key_quote is True
    assert by[("qualcode", "suggested")].key_quote is False


# -- quotes --------------------------------------------------------------------------------


def test_quote_matches_across_line_breaks_and_asks_when_ambiguous(proj):
    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    assert find_quote(proj, doc, "Åsa. Hon vill") == [(text.index("Åsa."), text.index("Hon vill") + len("Hon vill"))]
    with pytest.raises(InputError, match="finns på 2 ställen") as err:
        add_quote(proj, doc, "lönen", ["T-LON"])
    assert err.value.info.valid == tuple(f"{a}:{b}" for a, b in (at(text, "lönen"), at(text, "lönen", 2)))
    assert err.value.info.hint.option == "occurrence"
    [c] = add_quote(proj, doc, "lönen", ["T-LON"], occurrence=2)
    assert (c.start, c.end) == at(text, "lönen", 2)
    with pytest.raises(InputError, match="förekomst 3"):
        add_quote(proj, doc, "lönen", ["T-LON"], occurrence=3)
    with pytest.raises(InputError, match="finns inte"):
        add_quote(proj, doc, "lönerna", ["T-LON"])


def test_cli_code_add_quote_span_and_segment_and_list_json(proj, tmp_path):
    root = str(proj.root)
    proj.close()
    runner = CliRunner()
    r = runner.invoke(app, ["code", "add", "T-LON", "--document", "intervju-åsa.txt", "--quote", "lönen", "-p", root])
    assert r.exit_code == 1
    assert "finns på 2 ställen" in r.output and "--occurrence 1" in r.output
    r = runner.invoke(app, ["code", "add", "T-LON", "--document", "intervju-åsa.txt", "--quote", "lönen",
                            "--occurrence", "2", "-p", root])
    assert r.exit_code == 0, r.output
    p = find_project(root)
    text = doc_text(p)
    s, e = at(text, "lönen")
    p.close()
    r = runner.invoke(app, ["code", "add", "P01", "--document", "intervju-åsa.txt", "--quote", "lönen",
                            "--span", f"{s}:{e}", "-p", root])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["code", "add", "1", "P05", "-p", root])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["code", "list", "--format", "json", "-p", root])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    got = {(x["code"], x["start"], x["end"], x["text"], tuple(x["segment"])) for x in rows}
    s2, e2 = at(text, "lönen", 2)
    p = find_project(root)
    segs = list(p.store.iter_segments(unit="paragraph"))
    p.close()
    assert got == {
        ("T-LON", s2, e2, "lönen", (segs[2].id,)),
        ("P01", s, e, "lönen", (segs[0].id,)),
        ("P05", segs[0].start, segs[0].end, segs[0].text, (segs[0].id,)),
    }
    assert {x["document"] for x in rows} == {"intervju-åsa.txt"} and {x["coder"] for x in rows} == {"anna"}
    r = runner.invoke(app, ["code", "add", "P01", "--document", "intervju-åsa.txt", "--span", "4:2", "-p", root])
    assert r.exit_code == 1 and "ogiltigt spann 4:2" in r.output


# -- downstream ----------------------------------------------------------------------------


def test_a_span_counts_for_each_segment_it_overlaps_and_once_for_its_document(proj):
    from qualcode.analysis.code_counts import code_counts

    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    add_span(proj, doc, text.index("säger Åsa"), text.index("Tredje stycket") + 6, ["P02"])  # paragraphs 2 and 3
    add_span(proj, doc, *at(text, "lönen"), ["P02"])  # paragraph 1
    segs = [s.id for s in proj.store.iter_segments(document=doc, unit="paragraph")]
    assert sorted(s for s, _, c, _ in proj.store.coded_rows() if c == "P02") == segs

    def count(unit: str) -> int:
        return code_counts(proj, unit=unit, codes=["P02"]).total.count("P02")

    assert count("segment") == 3
    assert count("document") == 1


def test_training_uses_the_coded_words_of_a_span_and_every_segment_it_overlaps(proj):
    from qualcode.suggest.service import coded_words, project_training_data

    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    segs = list(proj.store.iter_segments(document=doc, unit="paragraph"))
    add_span(proj, doc, *at(text, "arbetsmiljön är tung"), ["T-KLIMAT"])
    add_span(proj, doc, text.index("handledning"), text.index("Tredje stycket") + 6, ["P08"])
    ids, X, Y, _ = project_training_data(proj)
    assert ids == [s.id for s in segs]
    words = {i: {t.form if hasattr(t, "form") else str(t) for t in x} for i, x in zip(ids, X)}
    assert {"arbetsmiljön", "tung"} <= words[segs[0].id] and "lönen" not in words[segs[0].id]
    assert "handledning" in words[segs[1].id] and "ärendemängden" not in words[segs[1].id]
    assert "tredje" in words[segs[2].id] and "igen" not in words[segs[2].id]
    assert coded_words("abc def", [(0, 7)]) == "abc def"
    assert coded_words("abc def ghi", [(0, 3), (2, 5), (8, 11)]) == "abc d ghi"


def test_agreement_per_segment_and_per_character(proj):
    from qualcode.coding.double_coding import agreement_report

    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    segs = list(proj.store.iter_segments(document=doc, unit="paragraph"))
    a0, a1 = at(text, "lönen 😀 är för låg")  # 18 code points, the emoji one of them
    add_span(proj, doc, a0, a1, ["T-LON"], coder="anna")
    add_span(proj, doc, a0 + 6, a1 + 4, ["T-LON"], coder="bertil")  # shares "😀 är för låg" (12)
    add_codes(proj, [segs[1].id], ["P05"], coder="anna")
    add_codes(proj, [segs[1].id], ["P05"], coder="bertil")
    report = agreement_report(proj, ["anna", "bertil"], codes=["T-LON", "P05"])
    assert report.units == 2
    per_code = {r.code: r for r in report.rows}
    assert per_code["T-LON"].percent == 1.0 and per_code["P05"].percent == 1.0
    chars = {r.code: r for r in report.characters}
    n = (segs[0].end - segs[0].start) + (segs[1].end - segs[1].start)
    lon = chars["T-LON"]
    assert (lon.characters, lon.coded, lon.both, lon.either) == (n, (18, 16), 12, 22)
    assert lon.overlap == pytest.approx(12 / 22) and lon.percent == pytest.approx((n - 10) / n)
    p05 = chars["P05"]
    assert p05.both == p05.either == segs[1].end - segs[1].start and p05.kappa == pytest.approx(1.0)
    assert report.to_dict()["characters"]["overall"]["both"] == 12 + p05.both


def test_report_quotes_the_coded_words_with_a_little_context(proj, tmp_path):
    from qualcode.export.report import quote_text, write_report

    long = ("Inledningsvis berättar gruppen om hösten, om nya rutiner och om flytten till de nya lokalerna "
            "vid torget. Ärendemängden är för hög för att hinna med dokumentationen, säger flera. "
            "Därefter talar de länge om fikarummet och om julfesten som blev inställd i december.")
    note = tmp_path / "grupp.txt"
    note.write_text(long + "\n\nKort stycke om handledning.\n", encoding="utf-8")
    import_notes(proj, [note])
    doc = proj.store.find_document("grupp.txt")
    add_span(proj, doc.id, *at(doc.text, "Ärendemängden är för hög"), ["P05"])
    seg = list(proj.store.iter_segments(document=doc.id, unit="paragraph"))[1]
    add_codes(proj, [seg.id], ["P08"])
    from qualcode.core.errors import QualcodeWarning

    with pytest.warns(QualcodeWarning):  # suppression off: the report says so
        write_report(proj, tmp_path / "rapport", formats=("md",), min_cell=1)
    md = next((tmp_path / "rapport").glob("*.md")).read_text(encoding="utf-8")
    quoted = [line for line in md.splitlines() if line.startswith("> ")]
    assert "> ”… till de nya lokalerna vid torget. Ärendemängden är för hög för att hinna med dokumentationen, …”" in quoted
    assert "> ”Kort stycke om handledning.”" in quoted  # a segment coding quotes its whole segment
    text = doc_text(proj)
    s, e = at(text, "för hög")
    assert quote_text(text, s, e, context=12) == "… är för hög, säger Åsa. …"
    s, e = at(text, "😀")
    assert quote_text(text, s, e, context=6) == "… lönen 😀 är …"


def test_tag_shows_a_span_highlighted_inside_its_segment(proj):
    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    add_span(proj, doc, *at(text, "lönen 😀 är för låg"), ["T-LON"])
    add_span(proj, doc, *at(text, "arbetsmiljön"), ["T-KLIMAT"], coder="carl")
    root = str(proj.root)
    proj.close()
    r = CliRunner().invoke(app, ["tag", "-p", root, "--order", "document", "--retrain-every", "0", "--coder", "bertil"],
                           input="q\n")
    assert r.exit_code == 0, r.output
    assert "Första stycket: «lönen 😀 är för låg» och «arbetsmiljön» är tung." in r.stdout
    assert "Andra kodare: T-KLIMAT (carl) «arbetsmiljön», T-LON (anna) «lönen 😀 är för låg»" in r.stdout


# -- REFI-QDA ------------------------------------------------------------------------------


def test_qdpx_round_trip_keeps_every_span_exact(proj, tmp_path):
    import zipfile

    from qualcode.exchange.refi_export import write_qdpx
    from qualcode.exchange.refi_import import import_qdpx
    from qualcode.project import init_project

    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    segs = list(proj.store.iter_segments(document=doc, unit="paragraph"))
    add_span(proj, doc, *at(text, "lönen 😀 är för låg"), ["T-LON"], memo="emoji före")
    add_span(proj, doc, *at(text, "😀"), ["T-KLIMAT"], coder="bertil")  # nested, another coder
    add_span(proj, doc, text.index("säger Åsa"), text.index("Tredje stycket") + 6, ["P02"])  # across \r\n\r\n
    add_span(proj, doc, *at(text, "lönen igen"), ["T-LON"])
    add_codes(proj, [segs[1].id], ["P05"])  # a whole segment
    want = {(r.start, r.end, r.text, r.code_id, r.coder, r.memo) for r in document_codings(proj, doc)}
    assert len(want) == 5
    idx = {s.id: s.idx for s in segs}
    counted = {(r.start, r.code_id): [idx[i] for i in r.segments] for r in document_codings(proj, doc)}
    assert counted[(text.index("säger Åsa"), "P02")] == [1, 2]
    out = write_qdpx(proj, tmp_path / "spans.qdpx").path
    with zipfile.ZipFile(out) as zf:
        qde = zf.read("project.qde").decode("utf-8")
        [source] = [n for n in zf.namelist() if n.endswith(".txt")]
        exported = zf.read(source).decode("utf-8")
    assert exported == text
    for start, end, *_ in want:
        assert f'startPosition="{start}" endPosition="{end}"' in qde
    assert qde.count("<PlainTextSelection") == 5
    with init_project(tmp_path / "ny", name="ny", coder="carl") as fresh:
        summary = import_qdpx(fresh, out)
        assert summary.codings == 5 and summary.touches_ignored == 0
        new = fresh.store.find_document("intervju-åsa.txt")
        assert new.text == text
        got = {(r.start, r.end, r.text, r.code_id, r.coder, r.memo) for r in document_codings(fresh, new.id)}
        assert got == want
        idx = {s.id: s.idx for s in fresh.store.iter_segments(document=new.id)}
        assert {(r.start, r.code_id): [idx[i] for i in r.segments] for r in document_codings(fresh, new.id)} == counted
        again = import_qdpx(fresh, out)
        assert (again.codings, again.unchanged) == (0, 5)


def test_qdpx_import_maps_crlf_positions_exactly_and_min_overlap_decides_the_segments(proj, tmp_path):
    import zipfile

    from qualcode.exchange.refi_import import import_qdpx

    src = "\ufeffFörsta stycket om lönen 😀.\r\n\r\nAndra stycket om lokalerna.\r\n"
    body = src[1:]  # positions count the text after the byte-order mark
    sel = (body.index("lönen 😀"), body.index("Andra") + 2)  # ends on "An" of the next paragraph
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="test">
  <Users><User guid="00000000-0000-4000-8000-000000000001" name="karin"/></Users>
  <CodeBook><Codes><Code guid="00000000-0000-4000-8000-000000000002" name="T-LON" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="00000000-0000-4000-8000-000000000003" name="annan.txt" plainTextPath="internal://a.txt">
    <PlainTextSelection guid="00000000-0000-4000-8000-000000000004" startPosition="{sel[0]}" endPosition="{sel[1]}"
        creatingUser="00000000-0000-4000-8000-000000000001">
      <Coding guid="00000000-0000-4000-8000-000000000005" creatingUser="00000000-0000-4000-8000-000000000001">
        <CodeRef targetGUID="00000000-0000-4000-8000-000000000002"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"""
    path = tmp_path / "annan.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/a.txt", src.encode("utf-8"))
    s = import_qdpx(proj, path)
    assert (s.codings, s.touches_ignored) == (1, 1)
    doc = proj.store.find_document("annan.txt")
    [row] = document_codings(proj, doc.id)
    assert row.text == "lönen 😀.\n\nAn" and doc.text[row.start:row.end] == row.text
    first, second = proj.store.iter_segments(document=doc.id, unit="paragraph")
    assert row.segments == (first.id,)  # "An" is under the minimum overlap: it counts for paragraph 1 only
    assert [seg for seg, _, code, _ in proj.store.coded_rows() if code == "T-LON"] == [first.id]


def test_replacing_the_text_moves_spans_with_their_words_and_lists_vanished_ones(proj, tmp_path):
    text = doc_text(proj)
    doc = proj.store.find_document("intervju-åsa.txt").id
    [emoji] = add_span(proj, doc, *at(text, "lönen 😀 är för låg"), ["T-LON"])
    [across] = add_span(proj, doc, text.index("handledning"), text.index("Tredje stycket") + 6, ["P08"])
    [gone] = add_span(proj, doc, *at(text, "lönen igen"), ["T-LON"], coder="bertil")
    new = ("Ny inledning 🙂 med åäö.\r\n\r\n" + TEXT).replace("Tredje stycket: lönen igen.\r\n", "Tredje stycket.\r\n")
    note = tmp_path / "intervju-åsa.txt"
    note.write_bytes(new.encode("utf-8"))
    result = import_notes(proj, [note], on_change="replace")
    [r] = result.replaced
    after = proj.store.get_document(doc)
    by_id = {c.id: c for c in proj.store.document_codings(doc)}
    assert after.text[by_id[emoji.id].start:by_id[emoji.id].end] == "lönen 😀 är för låg"
    assert by_id[emoji.id].start == emoji.start + len("Ny inledning 🙂 med åäö.\n\n")
    assert after.text[by_id[across.id].start:by_id[across.id].end] == "handledning.\n\nTredje"
    assert gone.id not in by_id
    assert [(c.code_id, c.coder, c.old_text) for c in r.vanished] == [("T-LON", "bertil", "lönen igen")]
