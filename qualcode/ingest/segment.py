"""Segmentation into coding units with character offsets into the stored document text.

Units: `paragraph` (text between blank lines), `sentence` (the pipeline's sentences within
paragraphs) and `response` (a survey answer as one segment). Lemmas come from the same
`nlp.pipe` pass, so search and suggestions never re-parse the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import InputError
from qualcode.core.records import UNITS, SegmentIn
from qualcode.core.workers import can_fork, forked_pool
from qualcode.ingest.readers import paragraphs
from qualcode.ingest.structure import structure
from qualcode.nlp.lemmas import lemmatize
from qualcode.nlp.pipeline import LEMMATIZER_NAME, lemma_string, lemma_strings
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from spacy.language import Language
    from spacy.tokens import Doc

BATCH_SIZE = 256


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise InputError(_("unknown segment unit '{unit}' — choose one of {units}").format(unit=unit, units=', '.join(UNITS)))


# A paragraph longer than this is segmented in pieces, cut at a sentence end or a space: spaCy
# refuses texts over `nlp.max_length` (E088) and would need about 1 GB per 100,000 characters.
MAX_PIECE = 100_000

Piece = tuple[int, int, int, "str | None", "str | None"]


def _pieces(doc_id: int, text: str, unit: str) -> Iterator[Piece]:
    """(document id, start, end, role, section) of the spans handed to the pipeline.

    Paragraphs (and their sentences) carry the document's structure: whether the paragraph
    is a heading or a prompt, and the heading it stands under (`qualcode.ingest.structure`).
    """
    if unit == "response":
        stripped = text.strip()
        spans: list[tuple[int, int]] = []
        if stripped:
            start = text.index(stripped[0])
            spans = [(start, start + len(stripped))]
        roles: list[tuple[str | None, str | None]] = [(None, None)] * len(spans)
    else:
        spans = paragraphs(text)
        roles = structure([text[a:b] for a, b in spans])
    for (start, end), (role, section) in zip(spans, roles):
        for a, b in _cut(text, start, end):
            yield doc_id, a, b, role, section


def _cut(text: str, start: int, end: int, size: int | None = None) -> Iterator[tuple[int, int]]:
    """`start:end` in pieces of at most `size` characters, cut after a sentence end or at a space."""
    size = size or MAX_PIECE
    while end - start > size:
        window = text[start:start + size]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
        cut = cut + 1 if cut > size // 2 else window.rfind(" ")
        if cut <= size // 2:
            cut = size  # no space at all: a hard cut
        yield start, start + cut
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def segment_texts(
    nlp: Language,
    documents: Iterable[tuple[int, str]],
    unit: str = "paragraph",
    batch_size: int = BATCH_SIZE,
) -> Iterator[SegmentIn]:
    """Stream segments for (document id, text) pairs, in document order."""
    _check_unit(unit)
    counters: dict[int, int] = {}
    pieces = (p + (text,) for doc_id, text in documents for p in _pieces(doc_id, text, unit))
    # Lemmas come from simplemma in lemma_string (cached per word), so with the simplemma
    # setting no component is needed except what splits sentences for the sentence unit.
    # With the pipeline's own lemmas (lemmatizer: pipeline) everything runs but the splitter.
    pipeline_lemmas = LEMMATIZER_NAME not in nlp.pipe_names
    splitters = {"sentencizer", "senter", "parser", "tok2vec"} if unit == "sentence" else set()
    disable: list[str]
    if pipeline_lemmas:
        disable = [] if unit == "sentence" else [n for n in ("sentencizer", "senter", "parser") if n in nlp.pipe_names]
    else:
        disable = [n for n in nlp.pipe_names if n not in splitters]
    stream = ((text[start:end], (doc_id, start, role, section)) for doc_id, start, end, role, section, text in pieces)
    if not pipeline_lemmas and len(disable) == len(nlp.pipe_names):
        # Only the tokenizer runs: no pipe() machinery per text. A piece is at most MAX_PIECE
        # characters: below nlp.max_length, make_doc's length check is not needed.
        tokenize = nlp.tokenizer if nlp.max_length >= MAX_PIECE else nlp.make_doc
        if unit == "sentence":
            yield from _segments(((tokenize(t), t, c) for t, c in stream), unit, pipeline_lemmas, counters)
        elif unit == "response":
            yield from _responses(tokenize, documents, counters)
        else:
            yield from _whole_pieces(tokenize, pieces, unit, counters)
        return
    with nlp.select_pipes(disable=disable):
        docs = nlp.pipe(((t, (t, c)) for t, c in stream), as_tuples=True, batch_size=batch_size)
        yield from _segments(((doc, t, c) for doc, (t, c) in docs), unit, pipeline_lemmas, counters)


def _segments(
    docs: Iterable[tuple[Doc, str, tuple[int, int, str | None, str | None]]], unit: str, pipeline_lemmas: bool,
    counters: dict[int, int],
) -> Iterator[SegmentIn]:
    """Segments of each (doc, its text, (document id, offset, role, section)).

    Offsets and text come from the text itself (spaCy keeps every character): a Span's text would
    make a Token object per word."""
    for doc, piece, (doc_id, offset, role, section) in docs:
        # (start, end) in the piece's characters and in its tokens
        spans = [(s.start_char, s.end_char, s.start, s.end) for s in doc.sents] if unit == "sentence" \
            else [(0, len(piece), 0, len(doc))]
        kept: list[tuple[int, int, int, int]] = []  # (start, end) in the document, (start, end) in tokens
        for a, b, first, last in spans:
            text = piece[a:b]
            if not text.strip():
                continue
            kept.append((offset + a + len(text) - len(text.lstrip()), offset + a + len(text.rstrip()), first, last))
        if not kept:
            continue
        if pipeline_lemmas:
            lemmas = [lemma_string(doc[first:last], True) for _, _, first, last in kept]
        else:
            lemmas = lemma_strings(doc, [(first, last) for _, _, first, last in kept])
        for (start, end, _first, _last), lem in zip(kept, lemmas):
            idx = counters.get(doc_id, 0)
            counters[doc_id] = idx + 1
            yield SegmentIn(document_id=doc_id, unit=unit, idx=idx, start=start, end=end,
                            lemmas=lem, role=role, section=section)


def _whole_pieces(
    tokenize: Callable[[str], Doc], pieces: Iterable[tuple[int, int, int, str | None, str | None, str]], unit: str,
    counters: dict[int, int],
) -> Iterator[SegmentIn]:
    """`_segments` for units whose piece is one segment (paragraph, response), tokenizer only:
    the same segments, without a span list and a generator step per piece."""
    for doc_id, start, end, role, section, text in pieces:
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        doc = tokenize(piece)
        a = start + len(piece) - len(piece.lstrip())
        idx = counters.get(doc_id, 0)
        counters[doc_id] = idx + 1
        yield SegmentIn(doc_id, unit, idx, a, a + len(stripped), lemma_strings(doc, ((0, len(doc)),))[0], role, section)


def _responses(
    tokenize: Callable[[str], Doc], documents: Iterable[tuple[int, str]], counters: dict[int, int],
) -> Iterator[SegmentIn]:
    """`_whole_pieces` of the response unit: an answer up to MAX_PIECE characters is one piece, its
    stripped text (what `_pieces` makes of it, without building it); a longer one goes through `_pieces`."""
    for doc_id, text in documents:
        stripped = text.strip()
        if not stripped:
            continue
        if len(stripped) > MAX_PIECE:
            yield from _whole_pieces(tokenize, (p + (text,) for p in _pieces(doc_id, text, "response")), "response", counters)
            continue
        start = len(text) - len(text.lstrip())
        doc = tokenize(stripped)
        idx = counters.get(doc_id, 0)
        counters[doc_id] = idx + 1
        yield SegmentIn(doc_id, "response", idx, start, start + len(stripped), lemma_strings(doc, ((0, len(doc)),))[0])


# Below this many characters a batch is segmented in this process: forking and sending the
# texts and segments to and fro would cost more than the second core gains.
PARALLEL_MIN_CHARS = 200_000
_FORKED: dict[str, Any] = {}  # what a forked segmenting process inherits: the loaded pipeline


def _segment_part(documents: Sequence[tuple[int, str]], unit: str) -> list[SegmentIn]:
    return list(segment_texts(_FORKED["nlp"], documents, unit))


class Segmenter:
    """`segment_texts` of one batch of documents after another, on `workers` cores.

    With more than one worker, a batch of at least PARALLEL_MIN_CHARS characters is segmented by
    forked processes, which inherit the loaded pipeline, while this process goes on (reads the
    next batch, stores the one before): `submit` returns at once, and the function it returns
    waits for the segments. The segments are the same as `segment_texts` gives, in the same order.
    One worker (the library's default), a small batch, or no fork (Windows) segments in this
    process when the segments are asked for.
    """

    def __init__(self, nlp: Language, unit: str, workers: int = 1):
        _check_unit(unit)
        self.nlp, self.unit = nlp, unit
        self.workers = workers if can_fork() else 1
        self.ahead = 1 if self.workers > 1 else 0  # batches a caller may submit before asking for the first
        self._stack = ExitStack()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Segmenter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Wait for the segmenting processes to end."""
        self._stack.close()
        if self._pool is not None:
            _FORKED.clear()
            self._pool = None

    def submit(self, documents: Sequence[tuple[int, str]], share: bool = False) -> Callable[[], list[SegmentIn]]:
        """Start segmenting (document id, text) pairs; the function returned gives their segments.

        The forked processes segment them all, unless `share` (the caller has nothing else to do
        meanwhile, as after the last batch): then this process segments the first run itself when
        the segments are asked for."""
        total = sum(len(text) for _doc, text in documents)
        if self.workers <= 1 or total < PARALLEL_MIN_CHARS:
            return lambda: list(segment_texts(self.nlp, documents, self.unit))
        runs = _runs(documents, self.workers if share else self.workers - 1, total)
        own = runs.pop(0) if share and len(runs) > 1 else []
        pool = self._started()
        parts = [pool.submit(_segment_part, run, self.unit) for run in runs]
        return lambda: list(segment_texts(self.nlp, own, self.unit)) + [s for part in parts for s in part.result()]

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _FORKED["nlp"] = self.nlp  # before the pool forks its processes (at the first submit)
            if LEMMATIZER_NAME in self.nlp.pipe_names:  # lemmas from simplemma: read its dictionary once,
                lemmatize("och")  # here, and the forked processes have it (not half a second each)
            self._pool = self._stack.enter_context(forked_pool(self.workers - 1))
        return self._pool


def _runs(documents: Sequence[tuple[int, str]], n: int, total: int) -> list[Sequence[tuple[int, str]]]:
    """`documents` cut into at most `n` consecutive runs of about total / n characters each."""
    runs: list[Sequence[tuple[int, str]]] = []
    start, size, share = 0, 0, total / n
    for i, (_doc, text) in enumerate(documents):
        size += len(text)
        if size >= share * (len(runs) + 1) and len(runs) < n - 1:
            runs.append(documents[start:i + 1])
            start = i + 1
    runs.append(documents[start:])
    return [run for run in runs if run]
