"""Train a Swedish spaCy pipeline from public data: UD treebanks (CoNLL-U) and an IO-tagged NER file.

Two steps, because the two corpora annotate different texts: step 1 trains tok2vec, morphologizer,
trainable_lemmatizer and parser on the UD treebanks (`data/sv_pipeline_ud.cfg`); step 2 trains NER
with its own tok2vec on the NER corpus (`data/sv_pipeline_ner.cfg`). Neither step uses the other's
output, so both run `python -m spacy train` at the same time, one core each, and the NER component
is then added to the step-1 pipeline. The result is evaluated on held-out test files and packaged
as a wheel with `python -m spacy package`.

Used by scripts/train_sv_pipeline.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from qualcode.core.errors import InputError, QualcodeError
from qualcode.core.files import write_text
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
UD_CONFIG = DATA_DIR / "sv_pipeline_ud.cfg"
NER_CONFIG = DATA_DIR / "sv_pipeline_ner.cfg"
NER_LABELS = ("PER", "ORG", "LOC", "MISC")
_OUTSIDE = {"0", "O"}
# No space before these tokens and none after "(" when rebuilding text from NER tokens,
# so training text looks like real text to the tokenizer.
_NO_SPACE_BEFORE = {",", ".", ":", ";", "!", "?", ")", "...", "”", "’"}
_NO_SPACE_AFTER = {"(", "“"}
LICENCE = "CC BY-SA 4.0"


class TrainingError(QualcodeError):
    """Training, evaluation or packaging of a pipeline failed."""


@dataclass(frozen=True)
class NerSentence:
    """One sentence of the NER file: tokens and their IO tags (entity label or 'O')."""

    words: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class UdSentence:
    """One CoNLL-U sentence block, kept as text so it can be re-joined and converted by spaCy."""

    block: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class TrainSettings:
    """How much to train; `quick` settings prove the path end to end in seconds."""

    # Sized so that the two steps (side by side, one core each), evaluation and packaging take
    # under 30 minutes on 2 CPU cores. A UD epoch is ~190 steps (one 10-sentence doc per batch).
    ud_steps: int = 4500
    ner_steps: int = 4000
    eval_frequency: int = 250
    # A small UD dev set (4%): the treebanks are small and every sentence in training counts.
    # NER dev 10%: with fewer sentences the choice of the best checkpoint was noise (measured).
    ud_dev_every: int = 25
    ner_dev_every: int = 10
    limit: int = 0
    seed: int = 0
    # Parser labels seen fewer times become a generic label (always wrong in LAS); 30 cost 0.3 % of
    # test tokens their label. On a few sentences (quick) every label is rare.
    min_action_freq: int = 5
    name: str = "qualcode_sm"
    version: str = "0.1.0"

    @classmethod
    def quick(cls) -> TrainSettings:
        return cls(ud_steps=6, ner_steps=6, eval_frequency=3, ud_dev_every=4, ner_dev_every=4, limit=24, min_action_freq=1,
                   name="qualcode_quick")


@dataclass(frozen=True)
class TrainResult:
    """Where the trained pipeline, the wheel and the scores ended up, and the scores."""

    model_dir: Path
    wheel: Path
    scores_path: Path
    scores: dict[str, object] = field(hash=False)


# ---------------------------------------------------------------- readers


def read_ner_io(path: Path, skipped: list[int] | None = None) -> list[NerSentence]:
    """Read 'token TAG' lines (tab or spaces), blank line between sentences; tags 0/O or PER/ORG/LOC/MISC.

    B-/I- prefixes are accepted too (B- starts a new entity). With a `skipped` list, sentences with a
    token lacking its tag are dropped and the line numbers appended to it; without, such a line is an error.
    """
    sentences: list[NerSentence] = []
    words: list[str] = []
    tags: list[str] = []
    broken = False
    try:
        lines = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    except FileNotFoundError:
        raise InputError(_("the NER file {path} does not exist — give the right path").format(path=path)) from None
    except UnicodeDecodeError:
        raise InputError(_("the NER file {path} is not UTF-8 — save it again as UTF-8").format(path=path)) from None
    for lineno, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            if words and not broken:
                sentences.append(NerSentence(tuple(words), tuple(tags)))
            words, tags, broken = [], [], False
            continue
        if len(parts) == 1 and skipped is not None:
            # A token without a tag (one such line is in the public corpus): drop that sentence.
            skipped.append(lineno)
            broken = True
            continue
        if len(parts) != 2:
            raise InputError(
                n_("{path}, line {lineno}: expected 'word TAG' (two fields), got {n_parts} field: {line!r} — one token and one tag per line, an empty line between sentences",
                   "{path}, line {lineno}: expected 'word TAG' (two fields), got {n_parts} fields: {line!r} — one token and one tag per line, an empty line between sentences",
                   len(parts)).format(path=path, lineno=lineno, n_parts=len(parts), line=line[:60])
            )
        word, tag = parts
        label = tag[2:] if tag[:2] in ("B-", "I-") else tag
        if tag not in _OUTSIDE and label not in NER_LABELS:
            raise InputError(
                _("{path}, line {lineno}: unknown tag {tag!r} — valid tags: 0, O, {ner_labels} (also with B-/I-)").format(path=path, lineno=lineno, tag=tag, ner_labels=', '.join(NER_LABELS))
            )
        words.append(word)
        tags.append("O" if tag in _OUTSIDE else tag)
    if words and not broken:
        sentences.append(NerSentence(tuple(words), tuple(tags)))
    if not sentences:
        raise InputError(_("the NER file {path} holds no sentences").format(path=path))
    return sentences


def read_conllu(path: Path) -> list[UdSentence]:
    """Split a CoNLL-U file into sentence blocks, checking that each token line has 10 columns."""
    try:
        text = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")
    except FileNotFoundError:
        raise InputError(_("the CoNLL-U file {path} does not exist — give the right path").format(path=path)) from None
    except UnicodeDecodeError:
        raise InputError(_("the CoNLL-U file {path} is not UTF-8 — save it again as UTF-8").format(path=path)) from None
    sentences: list[UdSentence] = []
    block: list[str] = []
    words: list[str] = []
    for lineno, line in enumerate(text.split("\n") + [""], start=1):
        if not line.strip():
            if words:
                sentences.append(UdSentence("\n".join(block), tuple(words)))
            block, words = [], []
            continue
        block.append(line)
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise InputError(
                _("{path}, line {lineno}: a CoNLL-U line must have 10 tab-separated columns, has {n_cols} — check that the file is CoNLL-U (UD) and not space-separated").format(path=path, lineno=lineno, n_cols=len(cols))
            )
        token_id = cols[0]
        if re.fullmatch(r"\d+", token_id):
            words.append(cols[1])
        elif not re.fullmatch(r"\d+[-.]\d+", token_id):
            raise InputError(_("{path}, line {lineno}: invalid token id {token_id!r} in the first column").format(path=path, lineno=lineno, token_id=token_id))
    if not sentences:
        raise InputError(_("the CoNLL-U file {path} holds no sentences").format(path=path))
    return sentences


# ---------------------------------------------------------------- converters


def _spaces(words: Sequence[str]) -> list[bool]:
    spaces = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        spaces.append(nxt is not None and nxt not in _NO_SPACE_BEFORE and word not in _NO_SPACE_AFTER)
    return spaces


def ner_to_doc(vocab: Vocab, sentence: NerSentence) -> Doc:
    """A Doc whose entities come from IO tags; untagged tokens are known to be outside (not missing)."""
    from spacy.tokens import Doc, Span

    doc = Doc(vocab, words=list(sentence.words), spaces=_spaces(sentence.words))
    spans: list[Span] = []
    start: int | None = None
    label = ""
    for i, tag in enumerate(list(sentence.tags) + ["O"]):
        current = tag[2:] if tag[:2] in ("B-", "I-") else tag
        begins = tag.startswith("B-") or current != label
        if start is not None and (current == "O" or begins):
            spans.append(Span(doc, start, i, label=label))
            start = None
        if current != "O" and start is None:
            start, label = i, current
        elif current == "O":
            label = ""
    doc.set_ents(spans, default="outside")
    return doc


def ud_to_docs(sentences: Sequence[UdSentence], n_sents: int = 10) -> list[Doc]:
    """spaCy's CoNLL-U converter (the one behind `spacy convert`), n_sents sentences per Doc."""
    from spacy.training.converters import conllu_to_docs

    if not sentences:
        return []
    text = "\n\n".join(s.block for s in sentences) + "\n\n"
    return list(conllu_to_docs(text, n_sents=n_sents, no_print=True))


def write_docbin(docs: Iterable[Doc], path: Path) -> int:
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=False)
    n = 0
    for doc in docs:
        docbin.add(doc)
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return n


# ---------------------------------------------------------------- splitting


S = TypeVar("S", NerSentence, UdSentence)
T = TypeVar("T")


def _key(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w.lower() for w in words)


def remove_overlap(train: Sequence[S], test: Sequence[S]) -> tuple[list[S], int]:
    """Drop training sentences whose token sequence also occurs in the test set (case-insensitive)."""
    test_keys = {_key(s.words) for s in test}
    kept = [s for s in train if _key(s.words) not in test_keys]
    return kept, len(train) - len(kept)


def split_dev(sentences: Sequence[T], every: int) -> tuple[list[T], list[T]]:
    """Every `every`-th sentence goes to dev (deterministic, spread over all input files)."""
    train = [s for i, s in enumerate(sentences) if i % every != every - 1]
    dev = [s for i, s in enumerate(sentences) if i % every == every - 1]
    return train, dev


@dataclass(frozen=True)
class CorpusPaths:
    ud_train: Path
    ud_dev: Path
    ud_test: Path
    ner_train: Path
    ner_dev: Path
    ner_test: Path
    counts: dict[str, int] = field(hash=False)


def prepare_corpora(
    ud_train: Sequence[Path], ud_test: Path, ner_train: Path, ner_test: Path, out: Path,
    settings: TrainSettings, ud_dev: Path | None = None,
) -> CorpusPaths:
    """Read, de-duplicate against the test files, split off dev sets and write .spacy DocBins."""
    import spacy

    vocab = spacy.blank("sv").vocab
    ud_tr = [s for p in ud_train for s in read_conllu(p)]
    ud_te = read_conllu(ud_test)
    skipped_train: list[int] = []
    skipped_test: list[int] = []
    ner_tr = read_ner_io(ner_train, skipped_train)
    ner_te = read_ner_io(ner_test, skipped_test)
    ud_tr, ud_overlap = remove_overlap(ud_tr, ud_te)
    ner_tr, ner_overlap = remove_overlap(ner_tr, ner_te)
    if ud_dev is not None:
        ud_dv = read_conllu(ud_dev)
        ud_dv, _ = remove_overlap(ud_dv, ud_te)
    else:
        ud_tr, ud_dv = split_dev(ud_tr, settings.ud_dev_every)
    ner_tr, ner_dv = split_dev(ner_tr, settings.ner_dev_every)
    if settings.limit:
        lim, small = settings.limit, max(2, settings.limit // 3)
        ud_tr, ud_dv, ud_te = ud_tr[:lim], ud_dv[:small], ud_te[:small]
        ner_tr, ner_dv, ner_te = ner_tr[:lim], ner_dv[:small], ner_te[:small]
    corpus = out / "corpus"
    paths = CorpusPaths(
        ud_train=corpus / "ud_train.spacy", ud_dev=corpus / "ud_dev.spacy", ud_test=corpus / "ud_test.spacy",
        ner_train=corpus / "ner_train.spacy", ner_dev=corpus / "ner_dev.spacy", ner_test=corpus / "ner_test.spacy",
        counts={
            "ud_train_sentences": len(ud_tr), "ud_dev_sentences": len(ud_dv), "ud_test_sentences": len(ud_te),
            "ud_train_removed_overlap": ud_overlap, "ner_train_sentences": len(ner_tr),
            "ner_dev_sentences": len(ner_dv), "ner_test_sentences": len(ner_te),
            "ner_train_removed_overlap": ner_overlap,
            "ner_train_dropped_untagged": len(skipped_train), "ner_test_dropped_untagged": len(skipped_test),
        },
    )
    write_docbin(ud_to_docs(ud_tr), paths.ud_train)
    write_docbin(ud_to_docs(ud_dv), paths.ud_dev)
    write_docbin(ud_to_docs(ud_te), paths.ud_test)
    write_docbin((ner_to_doc(vocab, s) for s in ner_tr), paths.ner_train)
    write_docbin((ner_to_doc(vocab, s) for s in ner_dv), paths.ner_dev)
    write_docbin((ner_to_doc(vocab, s) for s in ner_te), paths.ner_test)
    return paths


# ---------------------------------------------------------------- training, evaluation, packaging


def _run(cmd: list[str], log: Path) -> None:
    """Run a spaCy CLI command, appending its output to `log`; raise with the log's tail on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise _failed(cmd, proc.returncode, log)


def _failed(cmd: list[str], code: int, log: Path, n: int = 15) -> TrainingError:
    """The error for a failed command: its exit code, its log, and the log's last `n` lines."""
    tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-n:])
    return TrainingError(_("the command failed (code {code}): {cmd} … — see {log}\n{tail}").format(code=code, cmd=' '.join(cmd[:5]), log=log, tail=tail))


# One thread per training process: the two steps run side by side, one core each.
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _run_parallel(jobs: Sequence[tuple[list[str], Path]], log: Path) -> None:
    """Run commands at the same time, each with its own log, then append the logs to `log` in order.

    If one fails, the others are stopped and the error names the failed command and its log's tail.
    """
    procs: list[tuple[list[str], Path, subprocess.Popen[bytes]]] = []
    env = {**os.environ, **_ONE_THREAD}
    try:
        for cmd, job_log in jobs:
            job_log.parent.mkdir(parents=True, exist_ok=True)
            with job_log.open("w", encoding="utf-8") as fh:
                fh.write("$ " + " ".join(cmd) + "\n")
                fh.flush()
                procs.append((cmd, job_log, subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)))
        while True:
            codes = [proc.poll() for _, _, proc in procs]
            failed = next((i for i, code in enumerate(codes) if code not in (None, 0)), None)
            if failed is not None or None not in codes:
                break
            time.sleep(0.2)
    finally:
        for _cmd, _log, proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
    with log.open("a", encoding="utf-8") as fh:
        for _cmd, job_log, _proc in procs:
            fh.write(job_log.read_text(encoding="utf-8"))
    if failed is not None:
        cmd, job_log, proc = procs[failed]
        raise _failed(cmd, proc.returncode, job_log)


def spacy_train_cmd(config: Path, output: Path, overrides: dict[str, object]) -> list[str]:
    cmd = [sys.executable, "-m", "spacy", "train", str(config), "--output", str(output)]
    for key, value in overrides.items():
        cmd += [f"--{key}", str(value)]
    return cmd


def assemble(ud_model: Path, ner_model: Path, target: Path) -> Path:
    """The step-1 pipeline with the step-2 NER component (and its own tok2vec) added at the end."""
    import spacy

    nlp = spacy.load(ud_model)
    nlp.add_pipe("ner", source=spacy.load(ner_model))
    nlp.to_disk(target)
    return target


def train_steps(paths: CorpusPaths, out: Path, settings: TrainSettings, log: Path,
                ud_config: Path = UD_CONFIG, ner_config: Path = NER_CONFIG) -> Path:
    """Step 1 (UD components) and step 2 (NER) side by side, then assembled; returns the final model dir."""
    common = {"training.eval_frequency": settings.eval_frequency, "system.seed": settings.seed}
    _run_parallel([
        (spacy_train_cmd(ud_config, out / "ud", {
            "paths.train": paths.ud_train, "paths.dev": paths.ud_dev,
            "training.max_steps": settings.ud_steps, "components.parser.min_action_freq": settings.min_action_freq,
            **common,
        }), out / "train-ud.log"),
        (spacy_train_cmd(ner_config, out / "ner", {
            "paths.train": paths.ner_train, "paths.dev": paths.ner_dev,
            "training.max_steps": settings.ner_steps, **common,
        }), out / "train-ner.log"),
    ], log)
    return assemble(out / "ud" / "model-best", out / "ner" / "model-best", out / "model")


def _gold_docs(nlp: Language, path: Path) -> list[Doc]:
    from spacy.tokens import DocBin

    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def lemma_accuracy(nlp: Language, gold: Sequence[Doc]) -> dict[str, float]:
    """Lemma accuracy on gold tokens (lower-cased), trained lemmatizer versus simplemma."""
    from spacy.tokens import Doc

    from qualcode.nlp.pipeline import lemma_of

    total = trained_ok = simplemma_ok = 0
    for gdoc in gold:
        doc = nlp(Doc(nlp.vocab, words=[t.text for t in gdoc], spaces=[bool(t.whitespace_) for t in gdoc]))
        for tok, gtok in zip(doc, gdoc):
            want = gtok.lemma_.lower()
            total += 1
            trained_ok += tok.lemma_.lower() == want
            simplemma_ok += lemma_of(gtok.lower_) == want
    return {
        "lemma_gold_tokens": total,
        "lemma_acc_trained_gold_tok": round(100 * trained_ok / max(total, 1), 2),
        "lemma_acc_simplemma_gold_tok": round(100 * simplemma_ok / max(total, 1), 2),
    }


def evaluate(model_dir: Path, ud_test: Path, ner_test: Path) -> dict[str, object]:
    """Held-out scores (percent): POS/morph/lemma/UAS/LAS/sentences on UD test, NER P/R/F on NER test."""
    import spacy
    from spacy.training import Corpus

    nlp = spacy.load(model_dir)
    ud = nlp.evaluate(list(Corpus(str(ud_test))(nlp)))
    ner = nlp.evaluate(list(Corpus(str(ner_test))(nlp)))

    def pct(value: object) -> float | None:
        return round(100 * float(value), 2) if isinstance(value, (int, float)) else None

    scores: dict[str, object] = {
        "pos_acc": pct(ud.get("pos_acc")), "morph_acc": pct(ud.get("morph_acc")),
        "lemma_acc": pct(ud.get("lemma_acc")), "dep_uas": pct(ud.get("dep_uas")),
        "dep_las": pct(ud.get("dep_las")), "sents_f": pct(ud.get("sents_f")),
        "ents_p": pct(ner.get("ents_p")), "ents_r": pct(ner.get("ents_r")), "ents_f": pct(ner.get("ents_f")),
        "ents_per_type": {
            label: {k: pct(v) for k, v in vals.items()}
            for label, vals in sorted((ner.get("ents_per_type") or {}).items())
        },
    }
    gold = _gold_docs(nlp, ud_test)
    scores.update(lemma_accuracy(nlp, gold))
    texts = [d.text for d in gold]
    n_words = sum(len(d) for d in gold)
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=64):
        pass
    scores["words_per_second"] = round(n_words / max(time.perf_counter() - start, 1e-9))
    return scores


def package(model_dir: Path, out: Path, settings: TrainSettings, scores: dict[str, object], log: Path) -> Path:
    """`spacy package … --build wheel`; returns the wheel path (package name sv_<name>)."""
    meta = {
        "name": settings.name, "version": settings.version, "lang": "sv",
        "description": "Swedish pipeline for qualcode: POS/morphology, lemmas, dependency parser (sentences) "
                       "and NER (PER, ORG, LOC, MISC), trained with scripts/train_sv_pipeline.py.",
        "license": LICENCE,
        "sources": [
            {"name": "UD Swedish-Talbanken, Swedish-PUD, Swedish-SweLL", "url": "https://universaldependencies.org",
             "license": "CC BY-SA 4.0"},
            {"name": "Swedish NER corpus (Klintberg)", "url": "https://github.com/klintan/swedish-ner-corpus",
             "license": "CC BY 4.0"},
        ],
        "performance": {k: v for k, v in scores.items() if isinstance(v, (int, float))},
    }
    packages = out / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    meta_path = out / "meta.json"
    write_text(meta_path, json.dumps(meta, ensure_ascii=False, indent=2))
    _run([sys.executable, "-m", "spacy", "package", str(model_dir), str(packages), "--meta-path", str(meta_path),
          "--build", "wheel", "--force"], log)
    name_v = f"sv_{settings.name}-{settings.version}"
    wheels = sorted((packages / name_v / "dist").glob("*.whl"))
    if not wheels:
        raise TrainingError(_("spacy package made no wheel in {value} — see {log}").format(value=packages / name_v / 'dist', log=log))
    return wheels[0]


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: the cost on a machine nobody else uses."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def train_pipeline(
    ud_train: Sequence[Path], ud_test: Path, ner_train: Path, ner_test: Path, out: Path,
    settings: TrainSettings | None = None, ud_dev: Path | None = None,
) -> TrainResult:
    """Convert → train (two steps) → evaluate on held-out data → package; scores JSON beside the wheel."""
    settings = settings or TrainSettings()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "train.log"
    log.write_text("", encoding="utf-8")
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    paths = prepare_corpora(ud_train, ud_test, ner_train, ner_test, out, settings, ud_dev=ud_dev)
    model_dir = train_steps(paths, out, settings, log)
    scores = evaluate(model_dir, paths.ud_test, paths.ner_test)
    scores["data"] = paths.counts
    scores["settings"] = {
        "ud_steps": settings.ud_steps, "ner_steps": settings.ner_steps, "seed": settings.seed,
        "limit": settings.limit, "ud_dev_every": settings.ud_dev_every, "ner_dev_every": settings.ner_dev_every,
    }
    scores["train_seconds"] = round(time.perf_counter() - started)
    scores["train_cpu_seconds"] = round(_cpu_seconds() - cpu_started)
    wheel = package(model_dir, out, settings, scores, log)
    text = json.dumps(scores, ensure_ascii=False, indent=2)
    scores_path = wheel.parent / "scores.json"
    write_text(scores_path, text)
    write_text(out / "scores.json", text)
    shutil.copy2(log, wheel.parent / "train.log")
    return TrainResult(model_dir=model_dir, wheel=wheel, scores_path=scores_path, scores=scores)
