"""Several coders: shared samples, agreement from the store, disagreements and adjudication."""

from __future__ import annotations

import pytest

from qualcode.core.agreement import OVERALL, cohen_kappa, krippendorff_alpha
from qualcode.core.errors import InputError
from qualcode.coding.double_coding import (
    CONSENSUS,
    AdjudicationSession,
    agreement_report,
    coder_codings,
    disagreements,
    draw_sample,
)
from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn
from qualcode.project import init_project
from qualcode.coding.tag_commands import TagError

N_SEG = 8


@pytest.fixture
def project(tmp_path):
    proj = init_project(tmp_path / "p", name="ic", coder="anna")
    st = proj.store
    text = "\n\n".join(f"Stycke {i} om arbetet." for i in range(N_SEG))
    with st.transaction():
        d = st.add_document(DocumentIn("doc", "note", text, {}), "h")
        pos = 0
        spans = []
        for i in range(N_SEG):
            p = f"Stycke {i} om arbetet."
            a = text.index(p, pos)
            spans.append((a, a + len(p)))
            pos = a + len(p)
        st.add_segments(SegmentIn(d, "paragraph", i, a, b, "") for i, (a, b) in enumerate(spans))
    ids = [s.id for s in st.iter_segments()]
    # anna and bo judge segments 0-5; cecilia only 0-2
    anna = {0: {"P13"}, 1: {"P13", "T-LON"}, 2: set(), 3: {"P03"}, 4: set(), 5: {"P03"}}
    bo = {0: {"P13"}, 1: {"P13"}, 2: set(), 3: {"P03"}, 4: {"P03"}, 5: set()}
    cecilia = {0: {"P13"}, 1: {"T-LON"}, 2: {"P03"}}
    with st.transaction():
        for coder, sets in (("anna", anna), ("bo", bo), ("cecilia", cecilia)):
            for i, codes in sets.items():
                st.mark_reviewed(ids[i], coder)
                for c in codes:
                    st.upsert_coding(ids[i], c, coder, "manual")
        st.upsert_coding(ids[0], "P13", MODEL_CODER, "suggested", score=0.9, model_version="m1")
        st.upsert_coding(ids[3], "P03", MODEL_CODER, "suggested", score=0.4, model_version="m1")
        # bo rejected a model suggestion: still the model's proposal
        st.upsert_coding(ids[4], "T-LON", "bo", "rejected", score=0.7, model_version="m1")
    yield proj, ids, {"anna": anna, "bo": bo, "cecilia": cecilia}
    proj.close()


def test_sample_is_deterministic_and_stored(project, tmp_path):
    proj, ids, _ = project
    s1 = draw_sample(proj, 3, seed=42, name="dubbel")
    assert s1.created and len(s1.segment_ids) == 3 and list(s1.segment_ids) == sorted(s1.segment_ids)
    assert set(s1.segment_ids) <= set(ids)
    again = draw_sample(proj, 3, seed=42, name="dubbel")
    assert not again.created and again.segment_ids == s1.segment_ids
    other = draw_sample(proj, 3, seed=42, name="kopia")
    assert other.segment_ids == s1.segment_ids  # same seed, same project: same segments
    import random

    assert list(s1.segment_ids) == sorted(random.Random(42).sample(ids, 3))
    with pytest.raises(InputError, match="finns redan med seed 42"):
        draw_sample(proj, 4, seed=42, name="dubbel")
    with pytest.raises(InputError, match="projektet har 8"):
        draw_sample(proj, 9, seed=1)
    assert draw_sample(proj, 2, seed=5).name == "urval-5-2"


def test_coder_codings_judged_and_missing(project):
    proj, ids, truth = project
    sets = coder_codings(proj, ["anna", "cecilia"])
    assert sets["anna"] == {ids[i]: c for i, c in truth["anna"].items()}
    assert sets["cecilia"] == {ids[i]: c for i, c in truth["cecilia"].items()}
    model = coder_codings(proj, ["anna", MODEL_CODER], model="stored")[MODEL_CODER]
    assert model == {ids[i]: ({"P13"} if i == 0 else {"P03"} if i == 3 else {"T-LON"} if i == 4 else set()) for i in range(6)}
    strict = coder_codings(proj, ["anna", MODEL_CODER], threshold=0.5, model="stored")[MODEL_CODER]
    assert strict[ids[3]] == set() and strict[ids[0]] == {"P13"}
    with pytest.raises(InputError, match="kodaren 'okänd' har inte kodat något"):
        coder_codings(proj, ["anna", "okänd"])


def test_agreement_report_matches_direct_computation(project):
    proj, ids, truth = project
    report = agreement_report(proj, ["anna", "bo"])
    rows = {r.code: r for r in report.rows}
    assert list(rows) == ["P03", "P13", "T-LON", OVERALL]
    a = [1 if "P03" in truth["anna"][i] else 0 for i in range(6)]
    b = [1 if "P03" in truth["bo"][i] else 0 for i in range(6)]
    assert rows["P03"].kappa == pytest.approx(cohen_kappa(a, b))
    assert rows["P03"].alpha == pytest.approx(krippendorff_alpha([a, b]))
    assert rows["P03"].percent == pytest.approx(4 / 6)
    assert report.units == 6
    three = agreement_report(proj, ["anna", "bo", "cecilia"], codes=["P13"])
    p13 = three.rows[0]
    assert p13.kappa is None
    rows3 = [[1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0], [1, 0, 0, None, None, None]]
    assert p13.alpha == pytest.approx(krippendorff_alpha(rows3))
    d = report.to_dict()
    assert d["overall"]["code"] == OVERALL and d["units"] == 6


def test_agreement_on_sample_and_group_codes(project):
    proj, ids, _ = project
    sample = draw_sample(proj, 8, seed=1, name="alla")
    report = agreement_report(proj, ["anna", "bo"], sample=sample.name, codes=["G-BELASTNING"])
    # the group stands for its codes (P03 and T-PERS)
    assert [r.code for r in report.rows] == ["P03", "T-PERS", OVERALL]
    with pytest.raises(InputError, match="minst två kodare"):
        agreement_report(proj, ["anna"])


def test_agreement_without_common_units(project):
    proj, ids, _ = project
    with proj.store.transaction():
        proj.store.mark_reviewed(ids[7], "dora")
    with pytest.raises(InputError, match="inga gemensamma bedömda segment"):
        agreement_report(proj, ["cecilia", "dora"])


def test_disagreements_list(project):
    proj, ids, _ = project
    items = disagreements(proj, ["anna", "bo"])
    assert [(d.segment.id, d.agreed, d.disputed) for d in items] == [
        (ids[1], ("P13",), ("T-LON",)),
        (ids[4], (), ("P03",)),
        (ids[5], (), ("P03",)),
    ]
    assert items[0].codes == {"anna": ("P13", "T-LON"), "bo": ("P13",)}
    assert disagreements(proj, ["anna", "bo"], codes=["P13"]) == []


def test_adjudication_records_consensus_and_undo(project):
    proj, ids, _ = project
    st = proj.store
    session = AdjudicationSession(proj, disagreements(proj, ["anna", "bo"]), actor="anna")
    assert session.proposal == {"P13"}
    assert session.apply("1") == "ändrade förslaget"
    assert session.proposal == {"P13", "T-LON"}
    assert session.apply("") == "konsensus sparad: P13, T-LON"
    assert session.current.segment.id == ids[4]
    session.apply("c bo")
    session.apply("- P03")
    session.apply("+ lokaler")
    session.apply("ok")
    session.apply("s")
    assert session.current is None
    got = {(c.segment_id, c.code_id) for c, _ in st.iter_codings(coder=CONSENSUS)}
    assert got == {(ids[1], "P13"), (ids[1], "T-LON"), (ids[4], "P13")}
    assert st.reviewed(CONSENSUS) == {ids[1], ids[4]}
    session.apply("u")
    assert session.current.segment.id == ids[4]
    assert {(c.segment_id, c.code_id) for c, _ in st.iter_codings(coder=CONSENSUS)} == {(ids[1], "P13"), (ids[1], "T-LON")}
    with pytest.raises(TagError, match="omstridd kod 3 finns inte"):
        session.apply("3")
    with pytest.raises(TagError, match="kodaren 'x' har inte bedömt"):
        session.apply("c x")
    # a new session skips what is already adjudicated
    again = AdjudicationSession(proj, disagreements(proj, ["anna", "bo"]), actor="anna")
    assert [d.segment.id for d in again.items] == [ids[4], ids[5]]
    # consensus is a coder like any other
    report = agreement_report(proj, ["anna", CONSENSUS])
    assert report.units == 1


def test_model_as_coder_predicts_afresh(tmp_path):
    """Stored suggestions exist only where nobody had coded; the model is re-run on every judged segment."""
    pytest.importorskip("qualcode.suggest.estimator")
    proj = init_project(tmp_path / "m", name="m", coder="anna")
    texts = ["Vi saknar tysta rum och lokalerna är trånga.", "Lönen är för låg.", "Vi fikar ofta."]
    text = "\n\n".join(texts)
    with proj.store.transaction():
        d = proj.store.add_document(DocumentIn("d", "note", text, {}), "h")
        proj.store.add_segments(
            SegmentIn(d, "paragraph", i, text.index(t), text.index(t) + len(t), "") for i, t in enumerate(texts)
        )
    ids = [s.id for s in proj.store.iter_segments()]
    with proj.store.transaction():
        proj.store.upsert_coding(ids[0], "P13", "anna", "manual")
        proj.store.upsert_coding(ids[1], "T-LON", "anna", "manual")
        proj.store.mark_reviewed(ids[2], "anna")
    sets = coder_codings(proj, ["anna", MODEL_CODER])
    # no trained model: the codebook's keyword rules code the segments
    assert sets[MODEL_CODER] == {ids[0]: {"P13"}, ids[1]: {"T-LON"}, ids[2]: set()}
    assert coder_codings(proj, ["anna", MODEL_CODER], model="stored")[MODEL_CODER] == {i: set() for i in ids}
    report = agreement_report(proj, ["anna", MODEL_CODER])
    assert report.rows[-1].percent == 1.0
    with pytest.raises(InputError, match="okänd modellkälla"):
        coder_codings(proj, ["anna", MODEL_CODER], model="gissa")
    proj.close()
