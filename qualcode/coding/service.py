"""Manual coding: add, remove, list, search by lemma, key quotes. Every change is audited."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.errors import InputError, NotFoundError
from qualcode.core.records import Coding, Segment
from qualcode.project import Project
from qualcode.suggest.search import matches_all, phrase_lemmas


@dataclass(frozen=True)
class SearchHit:
    segment: Segment
    matched: tuple[str, ...]


def _codes(project: Project, code_ids: Sequence[str]) -> list[str]:
    if not code_ids:
        raise InputError("ange minst en kod, t.ex. P13 — se `qualcode codebook list`")
    cb = project.codebook
    out = []
    for c in code_ids:
        code = cb.resolve(c)
        if code.is_group:
            kids = ", ".join(k.id for k in cb.children(code.id))
            raise InputError(f"'{code.id}' är en temagrupp och kodas inte direkt — använd en av dess koder: {kids}")
        out.append(code.id)
    return out


def add_codes(
    project: Project,
    segment_ids: Sequence[int],
    code_ids: Sequence[str],
    coder: str | None = None,
    memo: str | None = None,
) -> list[int]:
    """Code segments by hand; an existing suggestion for the same coder becomes manual."""
    store = project.store
    codes = _codes(project, code_ids)
    coder = coder or project.coder
    ids: list[int] = []
    with store.transaction():
        for seg_id in segment_ids:
            store.get_segment(seg_id)
            for code in codes:
                before = store.find_coding(seg_id, code, coder)
                cid = store.upsert_coding(seg_id, code, coder, "manual", memo=memo)
                store.log(coder, "add", coding_id=cid, segment_id=seg_id, code_id=code,
                          detail={"memo": memo, "was": before.source if before else None})
                ids.append(cid)
    return ids


def remove_codes(project: Project, segment_id: int, code_ids: Sequence[str], coder: str | None = None) -> int:
    """Remove a coder's codings of a segment; raises if one of them does not exist."""
    store = project.store
    codes = _codes(project, code_ids)
    coder = coder or project.coder
    with store.transaction():
        store.get_segment(segment_id)
        for code in codes:
            coding = store.find_coding(segment_id, code, coder)
            if coding is None:
                raise NotFoundError(
                    f"segment {segment_id} har ingen kodning {code} av '{coder}' — se `qualcode code list --segment {segment_id}`"
                )
            store.delete_coding(coding.id)
            store.log(coder, "remove", coding_id=coding.id, segment_id=segment_id, code_id=code,
                      detail={"source": coding.source, "memo": coding.memo})
    return len(codes)


def set_memo(project: Project, coding_id: int, memo: str | None, actor: str | None = None) -> None:
    store = project.store
    with store.transaction():
        coding = store.get_coding(coding_id)
        store.set_coding_memo(coding_id, memo)
        store.log(actor or project.coder, "memo", coding_id=coding_id, segment_id=coding.segment_id,
                  code_id=coding.code_id, detail={"memo": memo, "was": coding.memo})


def list_codings(
    project: Project,
    code: Sequence[str] | None = None,
    document: str | None = None,
    meta: dict[str, str] | None = None,
    coder: str | None = None,
    sources: Sequence[str] | None = ("manual", "accepted"),
    segment: int | None = None,
) -> Iterator[tuple[Coding, Segment]]:
    codes = None
    if code:
        cb = project.codebook
        codes = sorted({c for k in code for c in cb.rollup(cb.resolve(k).id)})
    return project.store.iter_codings(
        code=codes, coder=coder, sources=sources, document=document, meta=meta,
        segment_ids=[segment] if segment is not None else None,
    )


def search(
    project: Project,
    query: str,
    unit: str | None = None,
    document: str | None = None,
    meta: dict[str, str] | None = None,
) -> list[SearchHit]:
    """Segments whose lemmas contain every word of `query` (compounds included).

    `lokal` finds `arbetslokalerna`; quote a phrase with spaces to keep its words together,
    e.g. "eget rum". Several phrases are separated by commas.
    """
    phrases = [phrase_lemmas(p) for p in query.split(",") if p.strip()]
    phrases = [p for p in phrases if p]
    if not phrases:
        raise InputError("sökfrågan är tom — ange ett eller flera ord, t.ex. `lokal`")
    hits = []
    for seg in project.store.iter_segments(unit=unit, document=document, meta=meta):
        matched = matches_all(phrases, seg.lemmas.split())
        if matched:
            hits.append(SearchHit(seg, tuple(matched)))
    return hits


def flag_quote(project: Project, segment_id: int, actor: str | None = None, note: str | None = None, unflag: bool = False) -> bool:
    """Mark a segment as a key quote for the report (or remove the mark)."""
    store = project.store
    actor = actor or project.coder
    with store.transaction():
        store.get_segment(segment_id)
        if unflag:
            removed = store.unflag_quote(segment_id)
            store.log(actor, "unquote", segment_id=segment_id, detail={"flagged_by": removed})
            return bool(removed)
        store.flag_quote(segment_id, actor, note)
        store.log(actor, "quote", segment_id=segment_id, detail={"note": note})
        return True


def import_codings(project: Project, path: str | Path, unit: str = "paragraph") -> int:
    """Apply codings from JSONL lines `{"document", "quote", "codes", "coder"?, "memo"?}`.

    The quote must be a verbatim part of one segment of the named document. All lines are
    checked before anything is written; a bad line names its number.
    """
    import json

    path = Path(path)
    if not path.exists():
        raise InputError(f"filen '{path}' finns inte — kontrollera sökvägen")
    store = project.store
    cb = project.codebook
    planned: list[tuple[int, list[str], str, str | None]] = []
    segments_by_doc: dict[str, list[Segment]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} rad {n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: ogiltig JSON ({exc.msg}) — en kodning per rad") from None
        if not isinstance(rec, dict) or not all(k in rec for k in ("document", "quote", "codes")):
            raise InputError(f"{where}: varje rad behöver 'document', 'quote' och 'codes'")
        name = Path(str(rec["document"])).name
        if name not in segments_by_doc:
            doc = store.find_document(name)
            if doc is None:
                raise InputError(f"{where}: dokumentet '{name}' finns inte i projektet — importera det först")
            segments_by_doc[name] = list(store.iter_segments(document=doc.id, unit=unit))
        quote = " ".join(str(rec["quote"]).split())
        found = [s for s in segments_by_doc[name] if quote in " ".join(s.text.split())]
        if len(found) != 1:
            what = "finns inte i" if not found else f"finns i {len(found)} segment av"
            raise InputError(f"{where}: citatet {quote[:40]!r}… {what} '{name}' — ange ett längre, exakt citat")
        codes = [str(c) for c in rec["codes"]]
        cb.check(codes)
        planned.append((found[0].id, codes, str(rec.get("coder") or project.coder), rec.get("memo")))
    with store.transaction():
        for seg_id, codes, coder, memo in planned:
            add_codes(project, [seg_id], codes, coder, memo)
    return sum(len(c) for _, c, _, _ in planned)
