"""Interactive tagging driven by scripted command lines (no terminal)."""

from __future__ import annotations

import pytest

from qualcode.core.errors import InputError
from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn
from qualcode.project import find_project, init_project
from qualcode.coding.tag_commands import Command, TagError, parse_command
from qualcode.coding.tagging import QueueSpec, TagSession, context, find_code, run
from qualcode.coding.retrain import Retrainer

PARAS = [
    "Vi har fått nya lokaler. Det finns tysta rum för samtal.",
    "Lönen har inte följt med. Många slutar därför.",
    "Introduktionen av nyanställda fungerar bra med mentor.",
    "Handläggarna får hjälp av administratörer med posten.",
    "Ärendemängden är för hög för varje handläggare.",
]
TEXT = "\n\n".join(PARAS)


def make_project(root):
    proj = init_project(root, name="tagg", coder="anna")
    st = proj.store
    with st.transaction():
        d = st.add_document(DocumentIn("intervju-1", "note", TEXT, {"stadsdel": "Farsta"}), "h1")
        spans, pos = [], 0
        for p in PARAS:
            start = TEXT.index(p, pos)
            spans.append((start, start + len(p)))
            pos = start + len(p)
        st.add_segments(SegmentIn(d, "paragraph", i, a, b, "") for i, (a, b) in enumerate(spans))
        ids = [s.id for s in st.iter_segments()]
        # model suggestions: segment 0 sure, segment 3 borderline, segment 1 two codes
        st.upsert_coding(ids[0], "P13", MODEL_CODER, "suggested", score=0.95, model_version="m1", reason="lokal, tyst rum")
        st.upsert_coding(ids[1], "T-LON", MODEL_CODER, "suggested", score=0.8, model_version="m1", reason="lön")
        st.upsert_coding(ids[1], "T-PERS", MODEL_CODER, "suggested", score=0.6, model_version="m1", reason="sluta")
        st.upsert_coding(ids[3], "P06", MODEL_CODER, "suggested", score=0.52, model_version="m1", reason="administratör")
        st.upsert_coding(ids[2], "P02", "bo", "manual")
    return proj, ids


@pytest.fixture
def project(tmp_path):
    proj, ids = make_project(tmp_path / "p")
    yield proj, ids
    proj.close()


def test_parse_command_forms():
    assert parse_command("") == Command("done")
    assert parse_command("a") == Command("accept")
    assert parse_command("a 1 2") == Command("accept", ("1", "2"))
    assert parse_command("a *") == Command("accept", ("*",))
    assert parse_command("r2") == Command("reject", ("2",))
    assert parse_command("+ lokaler") == Command("add", text="lokaler")
    assert parse_command("-P13") == Command("remove", text="P13")
    assert parse_command("m P13 bra citat") == Command("memo", text="P13 bra citat")
    assert parse_command("k").kind == "quote"
    assert parse_command("s").kind == "skip"
    assert parse_command("u").kind == "undo"
    assert parse_command("q").kind == "quit"
    with pytest.raises(TagError, match="okänt kommando 'xyz'"):
        parse_command("xyz")


def test_find_code_by_id_alias_and_fuzzy(project):
    proj, _ = project
    cb = proj.codebook
    assert find_code(cb, "p13").id == "P13"
    assert find_code(cb, "lokaler").id == "P13"
    assert find_code(cb, "Lön").id == "T-LON"
    assert find_code(cb, "mentorskapp").id == "P02"
    with pytest.raises(TagError, match="hittar ingen kod"):
        find_code(cb, "qwxz")


def test_context_takes_sentences_around():
    text = "Ett. Två. Tre. MITT. Fyra. Fem. Sex."
    start = text.index("MITT")
    assert context(text, start, start + 5) == ("Två. Tre.", "Fyra. Fem.")
    assert context(text, 0, 4) == ("", "Två. Tre.")


def test_uncoded_order_puts_segments_coded_by_others_last(project):
    proj, ids = project
    s = TagSession(proj, coder="anna")
    assert s.queue == [ids[0], ids[1], ids[3], ids[4], ids[2]]
    blind = TagSession(proj, coder="cecilia", blind=True, session="blind")
    assert blind.queue == ids
    view = blind.view()
    assert blind.view().others == ()
    assert view.segment.text == PARAS[0]


def test_uncertain_order_is_active_learning(project):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="uncertain"))
    # |0.52-0.5| < |0.6-0.5| < |0.95-0.5|; no suggestion last, in document order
    assert s.queue == [ids[3], ids[1], ids[0], ids[2], ids[4]]


def save_thresholds(proj, version, thresholds):
    with proj.store.transaction():
        proj.store.save_model(version, proj.codebook.hash(), {"thresholds": thresholds}, {}, b"")


def test_uncertain_order_measures_each_codes_own_threshold(project):
    from qualcode.coding.workspace import next_uncertain

    proj, ids = project
    save_thresholds(proj, "m1", {"P13": 0.9, "T-LON": 0.3, "T-PERS": 0.3, "P06": 0.2})
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="uncertain"))
    # |0.95-0.9| < min(|0.8-0.3|, |0.6-0.3|) < |0.52-0.2|
    assert s.queue == [ids[0], ids[1], ids[3], ids[2], ids[4]]
    nxt = next_uncertain(proj, "anna")
    assert (nxt.code_id, nxt.score) == ("P13", 0.95)
    # a fixed threshold measures every suggestion against it
    fixed = TagSession(proj, coder="anna", spec=QueueSpec(order="uncertain", threshold=0.5), session="fixed")
    assert fixed.queue == [ids[3], ids[1], ids[0], ids[2], ids[4]]
    assert next_uncertain(proj, "anna", threshold=0.5).code_id == "P06"


def test_uncertain_order_uses_the_threshold_of_the_model_that_suggested(project):
    proj, ids = project
    # a later model's thresholds do not apply to m1's suggestions; unknown codes fall back to 0.5
    save_thresholds(proj, "m2", {"P13": 0.9, "T-LON": 0.3, "T-PERS": 0.3, "P06": 0.2})
    save_thresholds(proj, "m1", {"P13": 0.5})
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="uncertain"))
    assert s.queue == [ids[3], ids[1], ids[0], ids[2], ids[4]]
    assert QueueSpec.from_dict(QueueSpec(order="uncertain").to_dict()).threshold is None


def test_view_shows_context_suggestions_and_others(project):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    s.apply("s")
    s.apply("s")  # now at segment 2, which bo coded
    v = s.view()
    assert v.segment.id == ids[2]
    assert v.before == PARAS[1]
    assert v.after == PARAS[3] + " " + PARAS[4]
    assert [(m.code_id, m.coder) for m in v.others] == [("P02", "bo")]
    s.apply("s")
    s.apply("s")
    s.apply("s")
    s.apply("s")  # back to segment 1 (queue is circular through skips)
    v = s.view()
    assert v.segment.id == ids[1]
    assert [(x.number, x.code_id, x.score, x.reason) for x in v.suggestions] == [
        (1, "T-LON", 0.8, "lön"), (2, "T-PERS", 0.6, "sluta"),
    ]
    assert v.segment.meta == {"stadsdel": "Farsta"}


def test_scripted_session_saves_every_decision(project):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    rendered = []
    summary = run(s, [
        "a",                    # seg0: accept P13
        "m Tydligt om rum",      # memo on the accepted code
        "k",                    # key quote
        "",                     # done
        "a 1", "r 2", "",       # seg1: accept T-LON, reject T-PERS
        "+ P02", "+ T-KLIMAT", "- T-KLIMAT", "",  # seg2
        "x",                    # an error does not stop the session
        "q",
    ], render=rendered.append)
    assert summary.quit and summary.decisions == 3
    assert "fel: okänt kommando 'x' — skriv ? för hjälp" in summary.messages
    st = proj.store
    mine = {(c.segment_id, c.code_id): (c.source, c.memo) for c, _ in st.iter_codings(coder="anna", sources=None)}
    assert mine == {
        (ids[0], "P13"): ("accepted", "Tydligt om rum"),
        (ids[1], "T-LON"): ("accepted", None),
        (ids[2], "P02"): ("manual", None),
    }
    # as with `qualcode suggest`: an accepted suggestion becomes the coder's, a rejected one stays the model's
    model = {(c.segment_id, c.code_id): c.source for c, _ in st.iter_codings(coder=MODEL_CODER, sources=None)}
    assert model == {(ids[1], "T-PERS"): "rejected", (ids[3], "P06"): "suggested"}
    accepted = st.find_coding(ids[0], "P13", "anna")
    assert (accepted.score, accepted.model_version, accepted.reason) == (0.95, "m1", "lokal, tyst rum")
    assert st.flagged_quotes() == {ids[0]}
    assert st.reviewed("anna") >= {ids[0], ids[1], ids[2]}
    assert rendered[-1].segment.id == ids[3]
    actions = [a.action for a in st.iter_audit()][::-1]
    assert actions[:4] == ["suggest.accept", "memo", "quote", "review"]


def test_resume_after_restart_at_same_segment(tmp_path):
    proj, ids = make_project(tmp_path / "p")
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    run(s, ["+ P13", "", "+ T-LON"])  # no quit: as if the terminal died
    proj.close()
    again = find_project(tmp_path / "p")
    s2 = TagSession(again, coder="anna")
    assert s2.resumed
    assert s2.state.spec.order == "document"
    assert s2.current_id == ids[1]
    assert again.store.find_coding(ids[1], "T-LON", "anna").source == "manual"
    # undo survives the restart
    s2.apply("u")
    assert again.store.find_coding(ids[1], "T-LON", "anna") is None
    s2.apply("u")  # undo "done" on segment 0: back to it
    assert s2.current_id == ids[0]
    again.close()


def test_undo_restores_suggestion_memo_and_quote(project):
    proj, ids = project
    st = proj.store
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    s.apply("a")
    assert st.find_coding(ids[0], "P13", "anna").source == "accepted"
    s.apply("m först")
    s.apply("m sedan")
    s.apply("u")
    assert st.find_coding(ids[0], "P13", "anna").memo == "först"
    s.apply("u")
    s.apply("u")
    assert st.find_coding(ids[0], "P13", "anna") is None
    assert [x.code_id for x in s.view().suggestions] == ["P13"]
    assert st.find_coding(ids[0], "P13", MODEL_CODER).source == "suggested"
    s.apply("k")
    s.apply("u")
    assert st.flagged_quotes() == set()
    with pytest.raises(TagError, match="inget att ångra"):
        s.apply("u")


def test_skip_moves_segment_last_and_is_remembered(project):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    s.apply("s")
    assert s.queue == [ids[1], ids[2], ids[3], ids[4], ids[0]]
    s2 = TagSession(proj, coder="anna")
    assert s2.queue == [ids[1], ids[2], ids[3], ids[4], ids[0]]


def test_errors_are_clear(project):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    with pytest.raises(TagError, match="ingen kod av dig"):
        s.apply("m text")
    with pytest.raises(TagError, match="förslag 7 finns inte eller är redan avgjort — öppna förslag: 1"):
        s.apply("a 7")
    with pytest.raises(TagError, match="du har inte kodat segmentet med P02"):
        s.apply("- P02")
    s.apply("s")
    with pytest.raises(TagError, match=r"2 öppna förslag — ange vilka, t.ex. `a 1`, eller `a \*` för alla \(1 2\)"):
        s.apply("a")
    s.apply("a *")
    assert {c.code_id for c in proj.store.codings_for_segment(ids[1]) if c.coder == "anna"} == {"T-LON", "T-PERS"}
    s.apply("u")
    for _ in range(4):
        s.apply("s")
    s.apply("s"), s.apply("s"), s.apply("s"), s.apply("s")
    with pytest.raises(TagError, match="inga öppna förslag"):
        s.apply("a")
    with pytest.raises(InputError, match="reserverat"):
        TagSession(proj, coder=MODEL_CODER)
    with pytest.raises(InputError, match="okänt urval 'x'"):
        TagSession(proj, coder="anna", spec=QueueSpec(sample="x"))


def test_filters_by_code_and_meta(project):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document", code=("t-lon",)), session="lon")
    assert s.queue == [ids[1]]
    assert s.state.spec.code == ("T-LON",)
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document", code=("G-ADMIN",)), session="g")
    assert s.queue == [ids[3]]
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document", meta=(("stadsdel", "Bromma"),)), session="b")
    assert s.queue == []
    assert s.view() is None


def test_retrainer_runs_in_background_after_enough_decisions(project):
    from functools import partial

    from helpers import suggest_one

    proj, ids = project
    # runs in a child process with its own project: a new suggestion on the last segment
    r = Retrainer(proj.root, partial(suggest_one, code="P03", last=True), every=2)
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"), retrainer=r)
    s.apply("")
    assert not r.busy and r.runs == 0
    s.apply("")
    r.join(60)
    assert (r.runs, r.error) == (1, None)
    assert s.state.since_train == 0
    s.apply("s"), s.apply("s")
    assert s.view().segment.id == ids[4]
    assert [(x.code_id, x.reason.split(", ")[1]) for x in s.view().suggestions] == [("P03", "5 segment")]


def test_blind_decisions_leave_the_suggestion_for_other_coders(project):
    proj, ids = project
    st = proj.store
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"), blind=True)
    s.apply("s")
    s.apply("r 2")
    s.apply("a")
    assert st.find_coding(ids[1], "T-PERS", "anna").source == "rejected"
    assert st.find_coding(ids[1], "T-LON", "anna").source == "accepted"
    assert st.find_coding(ids[1], "T-LON", MODEL_CODER).source == "suggested"
    bo = TagSession(proj, coder="bo", spec=QueueSpec(order="document"), blind=True, session="b")
    bo.apply("s")
    assert [(x.number, x.code_id) for x in bo.view().suggestions] == [(1, "T-LON"), (2, "T-PERS")]
    s.apply("u")
    assert st.find_coding(ids[1], "T-LON", "anna") is None


def test_manual_add_consumes_open_suggestion_and_undo_brings_it_back(project):
    proj, ids = project
    st = proj.store
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    s.apply("+ P13")
    assert st.find_coding(ids[0], "P13", MODEL_CODER) is None
    assert st.find_coding(ids[0], "P13", "anna").source == "manual"
    s.apply("u")
    assert st.find_coding(ids[0], "P13", MODEL_CODER).source == "suggested"
    assert st.find_coding(ids[0], "P13", "anna") is None


@pytest.mark.slow
def test_background_retrain_with_the_suggestions_library(tmp_path):
    """End to end with qualcode.suggest.service.retrain_project: new suggestions appear on later segments."""
    from qualcode.coding.retrain import default_trainer

    trainer = default_trainer()
    paras = ["Vi har nya lokaler med tysta rum.", "Lönen är för låg.", "Lokalerna är trånga.",
             "Löneutvecklingen är dålig.", "Kontorslandskapet saknar rum.", "Vi fick lönelyft."]
    text = "\n\n".join(paras)
    proj = init_project(tmp_path / "p", name="rt", coder="anna")
    with proj.store.transaction():
        d = proj.store.add_document(DocumentIn("d", "note", text, {}), "h")
        proj.store.add_segments(
            SegmentIn(d, "paragraph", i, text.index(x), text.index(x) + len(x), "") for i, x in enumerate(paras)
        )
    r = Retrainer(proj.root, trainer, every=4)
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"), retrainer=r)
    for cmd in ["+ P13", "", "+ T-LON", "", "+ P13", "", "+ T-LON", ""]:
        s.apply(cmd)
    r.join(120)
    assert (r.runs, r.error) == (1, None)
    view = s.view()
    assert view.segment.text == "Kontorslandskapet saknar rum."
    assert [x.code_id for x in view.suggestions] == ["P13"]
    proj.close()


def test_failed_write_leaves_queue_and_state_as_they_were(project, monkeypatch):
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    s.apply("+ P13")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(proj.store, "mark_reviewed", broken)
    with pytest.raises(RuntimeError):
        s.apply("")
    assert s.current_id == ids[0] and len(s.state.undo) == 1
    assert "review" not in [a.action for a in proj.store.iter_audit()]
    monkeypatch.undo()
    s.apply("")
    assert s.current_id == ids[1]


def test_a_write_failing_after_the_queue_moved_puts_the_queue_back(project, monkeypatch):
    """done, skip and undo change the queue before the state is saved; a failure there undoes that."""
    proj, ids = project
    s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
    s.apply("")
    s.apply("s")
    before = list(s.queue)
    assert before == [ids[2], ids[3], ids[4], ids[1]]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(proj.store, "save_tag_state", broken)
    for command in ("", "s", "u"):
        with pytest.raises(RuntimeError):
            s.apply(command)
        assert list(s.queue) == before, command
    monkeypatch.undo()
    s.apply("u")  # the skip of ids[1] is undone: it comes first again
    assert list(s.queue) == [ids[1], ids[2], ids[3], ids[4]]
    s.apply("")
    assert list(s.queue) == [ids[2], ids[3], ids[4]]


def test_has_reviewed_is_membership_in_reviewed(project):
    proj, ids = project
    st = proj.store
    with st.transaction():
        st.mark_reviewed(ids[0], "anna")
        st.upsert_coding(ids[1], "P13", "anna", "manual")
        st.upsert_coding(ids[3], "P06", "anna", "rejected")
        st.upsert_coding(ids[4], "P13", "anna", "suggested", score=0.4)  # not a judgement
        d = st.get_segment(ids[0]).document_id
        a, b = st.get_segment(ids[1]).start, st.get_segment(ids[2]).end
        st.put_coding(d, a, b, "paragraph", "T-LON", "bo", "manual")  # bo's span over 1 and 2
    for coder in ("anna", "bo", "cilla"):
        judged = st.reviewed(coder)
        assert [st.has_reviewed(i, coder) for i in ids] == [i in judged for i in ids], coder
    assert st.reviewed("anna") == {ids[0], ids[1], ids[3]} and st.reviewed("bo") == {ids[1], ids[2]}


def test_blind_key_quote_flags_are_each_coders_own(project):
    proj, ids = project
    st = proj.store
    anna = TagSession(proj, coder="anna", spec=QueueSpec(order="document"), blind=True)
    anna.apply("k")
    bo = TagSession(proj, coder="bo", spec=QueueSpec(order="document"), blind=True, session="b")
    assert bo.view().quote is False              # anna's flag is not shown to bo
    bo.apply("k")
    assert bo.view().quote is True
    bo.apply("k")                                # bo takes back his own flag only
    assert st.flagged_quotes(by="bo") == set() and st.flagged_quotes(by="anna") == {ids[0]}
    bo.apply("u")
    assert st.flagged_quotes(by="bo") == {ids[0]}
    open_session = TagSession(proj, coder="cecilia", spec=QueueSpec(order="document"), session="c")
    assert open_session.view().quote is True     # not blind: any coder's flag is the report's key quote
    open_session.apply("k")                      # removes the shared mark: both flags
    assert st.flagged_quotes() == set()
    open_session.apply("u")                      # and undo brings back both coders' flags
    assert st.flagged_quotes(by="anna") == {ids[0]} and st.flagged_quotes(by="bo") == {ids[0]}
