"""`qualcode suggest` (run, file, list, accept, reject), `qualcode train`, `qualcode evaluate`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.common import (
    Format,
    FormatOpt,
    ProjectOpt,
    console,
    emit,
    err_console,
    open_project,
    parse_meta,
)
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from qualcode.suggest.evaluate import Evaluation

app = typer.Typer(
    help="Suggest codes from the codebook's keywords and a model trained on your coding; accept or reject them.",
)


class Segments(str, Enum):
    uncoded = "uncoded"
    all = "all"


MinScoreOpt = Annotated[
    float | None,
    typer.Option("--min-score", help="Only scores at or above this (0–1); default: each code's own threshold."),
]
SegmentsOpt = Annotated[Segments, typer.Option("--segments", help="uncoded: segments without codes; all: every segment.")]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="Only segments of this unit: paragraph, sentence or response.")]
MetaOpt = Annotated[
    list[str] | None, typer.Option("--meta", "-m", help="Only documents with metadata key=value (repeatable).")
]
CodeFilterOpt = Annotated[
    list[str] | None, typer.Option("--code", help="Code or group id (repeatable; groups roll up).")
]
MaxScoreOpt = Annotated[float | None, typer.Option("--max-score", help="Only scores at or below this (0–1).")]
CodebookFileOpt = Annotated[
    Path | None, typer.Option("--codebook", help="Codebook file (default: the shipped codebooks/handlingsplan.yaml).")
]


TrustPickleOpt = Annotated[
    bool, typer.Option("--trust-pickle", help="Read a model saved by an older qualcode as a pickle (can run code: only your own projects).")
]


def _run(project: Path | None, min_score: float | None, segments: Segments, unit: str | None,
         meta: list[str] | None, fmt: Format, trust_pickle: bool = False) -> None:
    from qualcode.core.workers import default_workers
    from qualcode.suggest.service import suggest_project

    with open_project(project) as p:
        result = suggest_project(p, min_score=min_score, segments=segments.value, unit=unit, meta=parse_meta(meta),
                                 trust_pickle=trust_pickle, workers=default_workers())
    rows = [{"code": c, "suggestions": n} for c, n in sorted(result.per_code.items())]
    if fmt is Format.table:
        how = _("rules only (no trained model: run `qualcode train`)") if result.rules_only else _("rules + model")
        err_console.print(
            n_("{n_suggestions} suggestion for {n_segments} segments, model {model_version} ({how}); {removed} older open suggestions replaced.",
               "{n_suggestions} suggestions for {n_segments} segments, model {model_version} ({how}); {removed} older open suggestions replaced.",
               result.n_suggestions).format(n_suggestions=result.n_suggestions, n_segments=result.n_segments, model_version=result.model_version, how=how, removed=result.removed)
        )
    emit(rows, ["code", "suggestions"], fmt, title=_("Suggestions per code"))


@app.callback(invoke_without_command=True)
def suggest(
    ctx: typer.Context,
    min_score: MinScoreOpt = None,
    segments: SegmentsOpt = Segments.uncoded,
    unit: UnitOpt = None,
    meta: MetaOpt = None,
    trust_pickle: TrustPickleOpt = False,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Store code suggestions for the project's segments (same as `qualcode suggest run`)."""
    if ctx.invoked_subcommand is None:
        _run(project, min_score, segments, unit, meta, fmt, trust_pickle)


@app.command("run")
def run(
    min_score: MinScoreOpt = None,
    segments: SegmentsOpt = Segments.uncoded,
    unit: UnitOpt = None,
    meta: MetaOpt = None,
    trust_pickle: TrustPickleOpt = False,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Store suggestions (source 'suggested', coder 'qualcode'); manual codings are never touched."""
    _run(project, min_score, segments, unit, meta, fmt, trust_pickle)


@app.command("file")
def file(
    in_path: Annotated[Path, typer.Argument(metavar="IN.jsonl", help='Lines {"id": str, "text": str}.')],
    out: Annotated[Path, typer.Option("--out", help='Output JSONL: {"id", "codes", "scores"} per line.')],
    train: Annotated[
        Path | None,
        typer.Option("--train", help='Coded lines {"id", "text", "codes": [...]} to train on (without: rules only).'),
    ] = None,
    codebook: CodebookFileOpt = None,
) -> None:
    """Stateless: suggest codes for every line of IN.jsonl and write OUT.jsonl (no project needed)."""
    from qualcode.suggest.file_mode import suggest_file

    result = suggest_file(str(in_path), str(out), str(train) if train else None, str(codebook) if codebook else None)
    for w in result.warnings:
        err_console.print(_("[yellow]warning:[/] {w}").format(w=w))
    err_console.print(
        n_("Wrote {n_segments} row to {out} ({n_coded} with at least one code), model {model_version}.",
           "Wrote {n_segments} rows to {out} ({n_coded} with at least one code), model {model_version}.", result.n_segments).format(n_segments=result.n_segments, out=result.out, n_coded=result.n_coded, model_version=result.model_version)
    )


@app.command("list")
def list_(
    code: CodeFilterOpt = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Only scores at or above this.")] = None,
    max_score: MaxScoreOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many per code.")] = None,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Open suggestions per code, highest score first, with the segment text and the reason."""
    from qualcode.suggest.service import list_suggestions

    with open_project(project) as p:
        rows = [r.to_dict() for r in list_suggestions(p, code, min_score, max_score, limit)]
    emit(rows, ["id", "code", "score", "segment", "document", "text", "reason"], fmt, title=_("Open suggestions"))


def _decide(decision: str, ids: list[int] | None, code: list[str] | None, min_score: float | None,
            max_score: float | None, project: Path | None) -> None:
    from qualcode.suggest.service import decide_suggestions

    with open_project(project) as p:
        done = decide_suggestions(p, decision, ids or (), code, min_score, max_score)
    verb = _("Accepted") if decision == "accept" else _("Rejected")
    err_console.print(n_("{verb} {n_done} suggestion.", "{verb} {n_done} suggestions.", len(done)).format(verb=verb, n_done=len(done)))


IdsArg = Annotated[list[int] | None, typer.Argument(help="Suggestion (coding) ids from `qualcode suggest list`.")]


@app.command("accept")
def accept(
    ids: IdsArg = None,
    code: CodeFilterOpt = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Bulk: scores at or above this.")] = None,
    max_score: MaxScoreOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Accept suggestions by id, or in bulk by --code and score range; they become your codings."""
    _decide("accept", ids, code, min_score, max_score, project)


@app.command("reject")
def reject(
    ids: IdsArg = None,
    code: CodeFilterOpt = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Bulk: scores at or above this.")] = None,
    max_score: MaxScoreOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Reject suggestions by id, or in bulk; they are remembered and used as negative examples."""
    _decide("reject", ids, code, min_score, max_score, project)


def _metrics_rows(evaluation: Evaluation) -> list[dict[str, object]]:
    d = evaluation.to_dict()
    rows: list[dict[str, object]] = [
        {"code": m["code"], "support": m["support"], "predicted": m["predicted"], "precision": f"{m['precision']:.2f}",
         "recall": f"{m['recall']:.2f}", "f1": f"{m['f1']:.2f}",
         "alpha": "" if m["alpha"] is None else f"{m['alpha']:.2f}"}
        for m in d["per_code"]
    ]
    mi = d["micro"]
    rows.append({"code": "micro", "support": mi["support"], "precision": f"{mi['precision']:.2f}",
                 "recall": f"{mi['recall']:.2f}", "f1": f"{mi['f1']:.2f}",
                 "alpha": "" if d["alpha_pooled"] is None else f"{d['alpha_pooled']:.2f}"})
    rows.append({"code": "macro", "f1": f"{d['macro_f1']:.2f}"})
    return rows


METRIC_COLUMNS = ["code", "support", "predicted", "precision", "recall", "f1", "alpha"]


def train(
    cv: Annotated[int, typer.Option("--cv", help="Folds for the cross-validated figures (0: skip, train only).")] = 5,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Train the suggester on the project's manual and accepted codings; print cross-validated P/R/F1."""
    from qualcode.suggest.service import train_project

    with open_project(project) as p:
        result = train_project(p, cv=cv)
    if fmt is Format.json:
        import json

        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    # two counts, two nouns: each takes the form of its own count
    err_console.print(
        _("Model {version}: {segments}, {rejected}, {seconds:.1f} s. Rules only for: {value}.").format(
            version=result.version, seconds=result.seconds, value=', '.join(result.rules_only_codes) or '–',
            segments=n_("{n} coded segment", "{n} coded segments", result.n_segments).format(n=result.n_segments),
            rejected=n_("{n} rejected suggestion", "{n} rejected suggestions", result.n_rejected).format(n=result.n_rejected))
    )
    if result.evaluation is None:
        emit([{"code": c, "positives": n} for c, n in result.n_positives.items()], ["code", "positives"], fmt)
        return
    rows = _metrics_rows(result.evaluation)
    for r in rows:
        if r["code"] in result.n_positives:
            r["positives"] = result.n_positives[str(r["code"])]
    emit(rows, ["code", "positives", *METRIC_COLUMNS[2:]], fmt,
         title=_("Cross-validated ({method}), alpha = Krippendorff's α model–researcher (micro: pooled)").format(method=result.evaluation.method))


def evaluate(
    gold: Annotated[Path, typer.Option("--gold", help='Gold JSONL: {"id", "text", "codes": [...]} per line.')],
    train_file: Annotated[Path | None, typer.Option("--train", help="Train on this coded JSONL, evaluate on --gold.")] = None,
    cv: Annotated[int | None, typer.Option("--cv", help="K-fold cross-validation on --gold instead of --train.")] = None,
    codebook: CodebookFileOpt = None,
    learning_curve: Annotated[bool, typer.Option(
        "--learning-curve",
        help="Simulate coding k segments of --gold (a new document, lines in order), retrain with --train, score the rest.",
    )] = False,
    steps: Annotated[str, typer.Option("--steps", help="The k of --learning-curve, comma-separated.")] = "0,20,50,100,200",
    fmt: FormatOpt = Format.table,
) -> None:
    """Per-code precision/recall/F1, micro and macro F1, Krippendorff's alpha (model vs gold)."""
    from qualcode.suggest.file_mode import evaluate_files

    if learning_curve:
        _learning_curve(gold, train_file, cv, codebook, steps, fmt)
        return
    ev = evaluate_files(str(gold), str(train_file) if train_file else None, cv, str(codebook) if codebook else None)
    if fmt is Format.json:
        import json

        typer.echo(json.dumps(ev.to_dict(), ensure_ascii=False, indent=2))
        return
    for w in ev.extra.get("warnings", []):
        err_console.print(_("[yellow]warning:[/] {w}").format(w=w))
    emit(_metrics_rows(ev), METRIC_COLUMNS, fmt, title=f"{ev.method}, {ev.n_segments} segment")
    if fmt is Format.table:
        mi = ev.micro
        console.print(
            _("micro-F1 {f1:.3f} (P {precision:.3f}, R {recall:.3f}), macro-F1 {macro_f1:.3f} (codes with support > 0), Krippendorff's α {alpha_pooled:.3f} (all segments × codes, 0/1)").format(f1=mi.f1, precision=mi.precision, recall=mi.recall, macro_f1=ev.macro_f1, alpha_pooled=ev.alpha_pooled)
        )


def _learning_curve(gold: Path, train_file: Path | None, cv: int | None, codebook: Path | None, steps: str,
                    fmt: Format) -> None:
    from qualcode.core.errors import Hint, InputError
    from qualcode.suggest.file_mode import learning_curve_files

    if cv is not None:
        raise InputError(_("the learning curve does not cross-validate"), hint=Hint(_("give one training file or none"), option="train"))
    try:
        ks = [int(k) for k in steps.split(",") if k.strip()]
    except ValueError:
        raise InputError(_("invalid steps {steps!r}").format(steps=steps), value=steps,
                         hint=Hint(_("give numbers of segments separated by commas"), option="steps", example="0,20,50")) from None
    points = learning_curve_files(str(gold), str(train_file) if train_file else None,
                                  str(codebook) if codebook else None, steps=ks)
    rows = [p.to_dict() for p in points]
    if fmt is Format.json:
        import json

        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = [{"order": _("document") if r["order"] == "document" else _("active"), "k": r["k"], "scored": r["n_scored"],
              "precision": f"{r['micro']['precision']:.3f}", "recall": f"{r['micro']['recall']:.3f}",
              "micro_f1": f"{r['micro']['f1']:.3f}", "macro_f1": f"{r['macro_f1']:.3f}"} for r in rows]
    emit(table, ["order", "k", "scored", "precision", "recall", "micro_f1", "macro_f1"], fmt,
         title=_("Learning curve: k coded segments of the new document, the rest scored"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="suggest")
    root.command("train")(train)
    root.command("evaluate")(evaluate)
