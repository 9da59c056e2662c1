"""An import's documents read, hashed and segmented batch by batch — with workers, in a forked
process ahead of the one that stores them.

Storing is one process's work (SQLite has one write lock, and every write of an import goes
through its transactions); reading a file, hashing each document and segmenting it need no
store. With `workers` > 1 a streamed import (a survey table read row by row) runs them in a
forked process, which sends each batch, hashed and segmented, to the storing process while that
one stores the batch before: the store's writes run beside the reading instead of after it.

What the reading fills besides the documents (a survey's respondents, the names read) is sent
along with each batch into the caller's containers (`synced`), the warnings it raises are raised
again here, in order, and an error it raises is raised here when the batches before it are
stored — as when the reading runs in this process.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import warnings
from collections.abc import Iterable, Iterator, MutableSequence, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from qualcode.core.errors import Hint, InputError, QualcodeError
from qualcode.core.i18n import _
from qualcode.core.jsonenc import Encoder
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.core.workers import can_fork, end_with_parent
from qualcode.store.database import Store

# A document ready to store, as a plain tuple (sent between processes as one; a batch of 20,000
# records would take longer to rebuild than to store): (content hash, the metadata's JSON as the
# store writes it or None, name, kind, text, source, the metadata dict or None when the JSON holds it).
Hashed = tuple[str, "str | None", str, str, str, str, "dict[str, Any] | None"]
# A segment as a plain tuple: SegmentIn's fields in order (document key, unit, idx, start, end, lemmas, role, section).
SegmentRow = tuple[int, str, int, int, int, str, "str | None", "str | None"]

# A content hash is sha256's first 128 bits, 32 hex digits (revision 0017; 64 before): a collision
# among a billion documents has a chance of about 10^-21, and the unique index over these random
# keys, which an import of a million answers mostly spends its writes on, is half as large (1,000,000
# documents, plain sqlite3: inserts and commits 15.9 → 11.1 s).
HASH_CHARS = 32

_META_JSON = Encoder(sort_keys=True, ensure_ascii=False, default=str, allow_nan=False)


@dataclass
class Prepared:
    """One batch: its documents hashed, in reading order; their segments (the document key = the
    document's index in `documents`) when they were segmented ahead, else None; whether it is the last."""

    documents: list[Hashed]
    segments: list[SegmentRow] | None
    last: bool


def as_document(row: Hashed) -> DocumentIn:
    """The document of a hashed row, whole (its metadata read back from its JSON when only that was kept)."""
    import json

    _h, encoded, name, kind, text, source, meta = row
    return DocumentIn(name=name, kind=kind, text=text, meta=json.loads(encoded) if meta is None and encoded else (meta or {}),
                      source=source)


def segment_row(s: SegmentIn) -> SegmentRow:
    return (s.document_id, s.unit, s.idx, s.start, s.end, s.lemmas, s.role, s.section)


def refuse_nul(doc: DocumentIn) -> None:
    """A NUL character would cut every segment after it short (SQLite stops text there): refuse it."""
    at = doc.text.index("\0")
    line = doc.text.count("\n", 0, at) + 1
    raise InputError(
        _("'{name}' holds {count} NUL characters (byte 0, the first on line {line}) — nothing was imported; the file is binary, or UTF-16 without a byte order mark").format(name=doc.name, count=doc.text.count(chr(0)), line=line),
        value=doc.name, hint=Hint(_("remove the characters, or give the encoding"), option="encoding", example="utf-16-le"),
    )


def stored_meta(doc: DocumentIn) -> str | None:
    """The metadata's JSON as the store writes it (`Store.meta_json`), or None when it cannot be
    written as JSON (content_hash then falls back to its own encoding, and the store raises as before)."""
    try:
        return str(Store.meta_json(doc.meta))
    except (TypeError, ValueError):
        return None


def content_hash(doc: DocumentIn, meta_json: str | None = None) -> str:
    """Notes are identified by their text; survey answers also by respondent, column and metadata.

    `meta_json`: the metadata as the store writes it (`stored_meta`), when the caller has it:
    the same text, encoded once."""
    # sha256 of: kind NUL whitespace-normalised text [NUL metadata JSON], in UTF-8, hashed in one piece;
    # its first HASH_CHARS hex digits are the key (see HASH_CHARS)
    text = " ".join(doc.text.split())
    if doc.kind == "survey":
        text = f"{doc.kind}\0{text}\0{_META_JSON(doc.meta) if meta_json is None else meta_json}"
    else:
        text = f"{doc.kind}\0{text}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def hash_batch(batch: Sequence[DocumentIn]) -> list[Hashed]:
    """Each document hashed, as a `Hashed` row; a NUL character in any refuses the batch."""
    for doc in batch:
        if "\0" in doc.text:
            refuse_nul(doc)
    out: list[Hashed] = []
    for doc in batch:
        encoded = stored_meta(doc) if doc.kind == "survey" else None
        out.append((content_hash(doc, encoded), encoded, doc.name, doc.kind, doc.text, doc.source,
                    None if encoded is not None else doc.meta))
    return out


FIRST_BATCH = 1_000  # with workers: the first batch, doubled batch by batch up to the batch size


def batches(items: Iterable[DocumentIn], size: int, workers: int) -> Iterator[tuple[list[DocumentIn], bool]]:
    """(batch, whether it is the last) of `items` in batches of `size`; with workers the first
    batches are smaller (FIRST_BATCH, then doubled), so the other process starts soon and this
    one has the first batch to store."""
    step = size if workers <= 1 else min(size, FIRST_BATCH)
    batch: list[DocumentIn] = []
    for item in items:
        if len(batch) >= step:
            yield batch, False
            batch = []
            step = min(size, step * 2)
        batch.append(item)
    if batch:
        yield batch, True


# Documents per chunk of a batch's segmenting: the reading process segments a batch chunk by chunk,
# and this one, when it has nothing to store, takes the chunks not begun yet (a few ms each).
CHUNK = 256


@contextmanager
def prepared_batches(
    documents: Iterable[DocumentIn], size: int, workers: int, nlp: Any, unit: str,
    synced: Sequence[MutableSequence[Any]] = (),
) -> Iterator[Iterator[Prepared]]:
    """The batches of `documents`, hashed; read, hashed and segmented in a forked process when
    `workers` > 1, forking works, and `documents` is a stream (a list was read already: it is
    hashed here and segmented as the caller chooses).

    The forked process reads and hashes a batch, sends it, and segments it chunk by chunk; this
    process, waiting for the batch's segments (its store is written), segments the chunks not
    taken yet itself, so the two cores share the segmenting whichever of them is the slower."""
    if workers <= 1 or not can_fork() or isinstance(documents, Sequence):
        yield (Prepared(hash_batch(batch), None, last) for batch, last in batches(documents, size, workers))
        return
    import multiprocessing

    from qualcode.nlp.pipeline import LEMMATIZER_NAME

    if LEMMATIZER_NAME in nlp.pipe_names:  # simplemma's dictionary, read once here: both processes have it
        from qualcode.nlp.lemmas import lemmatize

        lemmatize("och")
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    chunks = ctx.Array("q", [-1, 0, 0])  # the batch being segmented, its next chunk to take, its chunks
    child = ctx.Process(target=_read_ahead, args=(os.getpid(), receive, send, documents, size, workers, nlp, unit, synced, chunks), daemon=True)
    child.start()
    send.close()
    try:
        yield _received(receive, synced, _Chunks(chunks, nlp, unit))
    finally:
        receive.close()  # a child still sending gets a broken pipe and ends
        child.join(timeout=1)
        if child.is_alive():  # this process stopped early (an error, Ctrl-C): the rest is not wanted
            child.kill()
            child.join()


class _Chunks:
    """The chunks of the batch being segmented, taken one at a time by either process."""

    def __init__(self, shared: Any, nlp: Any, unit: str):
        self.shared, self.nlp, self.unit = shared, nlp, unit

    def start(self, batch: int, n: int) -> None:
        with self.shared.get_lock():
            self.shared[0], self.shared[1], self.shared[2] = batch, 0, n

    def take(self, batch: int) -> int | None:
        """The next chunk of `batch` not taken yet, now taken; None when all are (or the lock stays
        taken: the other process died holding it, and the pipe says so next)."""
        lock = self.shared.get_lock()
        if not lock.acquire(timeout=10):
            return None
        try:
            if self.shared[0] != batch or self.shared[1] >= self.shared[2]:
                return None
            chunk = int(self.shared[1])
            self.shared[1] = chunk + 1
            return chunk
        finally:
            lock.release()

    def segmented(self, hashed: list[Hashed], chunk: int) -> list[SegmentRow]:
        from qualcode.ingest.segment import segment_texts

        start = chunk * CHUNK
        texts = [(i, hashed[i][4]) for i in range(start, min(len(hashed), start + CHUNK))]
        return [segment_row(s) for s in segment_texts(self.nlp, texts, self.unit)]


def _received(receive: Any, synced: Sequence[MutableSequence[Any]], chunks: _Chunks) -> Iterator[Prepared]:
    def message() -> tuple[Any, ...]:
        try:
            kind, payload, filled, caught = receive.recv()
        except EOFError:
            raise QualcodeError(_("the process reading the file ended without a word (out of memory?) — nothing was imported")) from None
        for into, items in zip(synced, filled, strict=True):
            into.extend(items)
        for category, args, state, filename, lineno in caught:
            warnings.warn_explicit(_rebuilt(category, args, state), category, filename, lineno)
        if kind == "error":
            raise _rebuilt(*payload)
        return kind, payload

    while True:
        kind, payload = message()
        if kind == "end":
            return  # nothing to read
        number, documents, last = payload
        n = -(-len(documents) // CHUNK)
        done: dict[int, list[SegmentRow]] = {}
        while (chunk := chunks.take(number)) is not None:
            done[chunk] = chunks.segmented(documents, chunk)
        kind, payload = message()  # the chunks the other process took
        if kind != "segments" or payload[0] != number or len(done) + len(payload[1]) != n:
            raise QualcodeError(_("the process reading the file sent batch {got} where {want} was expected — nothing was imported").format(
                got=payload[0] if kind == "segments" else kind, want=number))
        done.update(payload[1])
        yield Prepared(documents, [s for c in range(n) for s in done[c]], last)
        if last:
            return


class _Sender:
    """The forked process's messages, pickled there and written to the pipe by a thread: while the
    storing process stores a batch and reads no message, this one goes on segmenting (writing to a
    pipe nobody reads blocks). At most `ahead` messages wait; an ended reader ends the sending."""

    def __init__(self, send: Any, ahead: int = 4):
        import queue
        import threading

        self.send, self.broken = send, False
        self.queue: queue.Queue[bytes | None] = queue.Queue(ahead)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.broken:
                continue
            try:
                self.send.send_bytes(data)
            except OSError:  # BrokenPipeError: the storing process stopped reading
                self.broken = True

    def __call__(self, message: tuple[Any, ...]) -> None:
        if self.broken:
            raise BrokenPipeError
        from multiprocessing.reduction import ForkingPickler

        self.queue.put(bytes(ForkingPickler.dumps(message)))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


def _read_ahead(parent: int, receive: Any, send: Any, documents: Iterable[DocumentIn], size: int, workers: int, nlp: Any, unit: str,
                synced: Sequence[MutableSequence[Any]], shared: Any) -> None:
    """The forked process: read and hash batch by batch, send each batch with what the reading
    filled and warned meanwhile, then segment its chunks not taken by the other process."""
    # The pipe's reading end is the storing process's alone: when it dies (killed), writing fails
    # here and this process ends, instead of waiting for a reader that never comes.
    receive.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the storing process's to handle
    end_with_parent(parent)  # and when it is killed while this one reads a long stretch, this one ends too
    chunks = _Chunks(shared, nlp, unit)
    sender = _Sender(send)

    def taken(caught: list[warnings.WarningMessage]) -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
        filled = [list(c) for c in synced]
        for c in synced:
            del c[:]
        shown = [(w.category, *_state(w.message), w.filename, w.lineno) for w in caught if isinstance(w.message, Warning)]
        caught.clear()
        return filled, shown

    with warnings.catch_warnings(record=True) as caught:  # the filters stay the ones inherited
        try:
            sent = False
            for number, (batch, last) in enumerate(batches(documents, size, workers)):
                hashed = hash_batch(batch)
                chunks.start(number, -(-len(hashed) // CHUNK))
                sender(("batch", (number, hashed, last), *taken(caught)))
                mine: dict[int, list[SegmentRow]] = {}
                while (chunk := chunks.take(number)) is not None:
                    mine[chunk] = chunks.segmented(hashed, chunk)
                sender(("segments", (number, mine), *taken(caught)))  # one message: the other process waits for it
                sent = last
            if not sent:
                sender(("end", None, *taken(caught)))
        except BrokenPipeError:
            pass  # the storing process stopped: nothing more is wanted
        except BaseException as exc:  # noqa: BLE001 — every error goes to the storing process, raised there
            try:
                sender(("error", (type(exc), *_state(exc)), *taken(caught)))
            except (BrokenPipeError, pickle.PicklingError, TypeError, AttributeError):
                try:
                    sender(("error", (RuntimeError, (f"{type(exc).__name__}: {exc}",), {}), [[] for _ in synced], []))
                except BrokenPipeError:
                    pass
        finally:
            sender.close()
            send.close()


def _state(exc: BaseException) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """An exception's args and attributes, to rebuild it in the other process (`_rebuilt`): its
    class may want other arguments than its args (UnknownCodeError), so it is not pickled whole."""
    state = dict(vars(exc))
    pickle.dumps((exc.args, state))  # raises here, in the reading process, when it cannot be sent
    return exc.args, state


def _rebuilt(category: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    exc = category.__new__(category, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc
