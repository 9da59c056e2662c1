"""`qualcode tag`, `sample`, `disagreements`, `adjudicate`: reading and coding, several coders."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.text import Text

from qualcode.cli.common import (
    CoderOpt,
    CodersOpt,
    CodesOpt,
    Format,
    FormatOpt,
    ModelSourceOpt,
    ProjectOpt,
    SampleOpt,
    ThresholdOpt,
    console,
    emit,
    err_console,
    open_project,
    parse_meta,
    render_error,
    split_values,
)
from qualcode.core.i18n import _, n_, value_text

if TYPE_CHECKING:
    from qualcode.coding.double_coding import AdjudicationSession
    from qualcode.coding.tagging import SegmentView, SessionSummary, TagSession


def _lines(prompt: str) -> Iterator[str]:
    """Command lines from stdin; the prompt goes to stderr so stdout stays clean."""
    while True:
        err_console.print(prompt, end="")
        line = sys.stdin.readline()
        if not line:
            return
        yield line.rstrip("\n")


def _short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _highlighted(text: str, spans: tuple[tuple[int, int], ...]) -> Text:
    """The segment in bold, coded spans underlined on a yellow ground and between «» (seen without colour too)."""
    out = Text(style="bold")
    at = 0
    for a, b in spans:
        out.append(text[at:a])
        out.append("«" + text[a:b] + "»", style="bold underline black on yellow")
        at = b
    out.append(text[at:])
    return out


def _span_words(text: str, span: tuple[int, int] | None) -> str:
    return "" if span is None else f" «{_short(text[span[0]:span[1]], 40)}»"


def render_view(view: SegmentView | None, keys: bool = False) -> None:
    """Show one segment with its context, metadata, codes and suggestions."""
    if view is None:
        console.print(_("[bold green]Done:[/] no more segments in the queue."))
        return
    seg = view.segment
    console.rule(_("segment {id} · {escape} · {unit} {value} · {remaining} left").format(id=seg.id, escape=escape(seg.document_name), unit=seg.unit, value=seg.idx + 1, remaining=view.remaining))
    if seg.meta:
        console.print("[dim]" + escape(", ".join(f"{k}={value_text(v)}" for k, v in seg.meta.items())) + "[/]")
    if seg.role:
        console.print("[bold]" + ("Rubrik" if seg.role == "heading" else _("Question")) + _("[/] [dim](not coded as content; the text below it gets it as evidence)[/]"))
    elif seg.section:
        console.print("[bold]§ " + escape(seg.section) + "[/]")
    if view.before:
        console.print("[dim]" + escape(view.before) + "[/]")
    console.print(_highlighted(seg.text, view.highlights))
    if view.after:
        console.print("[dim]" + escape(view.after) + "[/]")
    mine = ", ".join(f"{m.code_id} {m.name}" + _span_words(seg.text, m.span) + (_(" [memo: {memo}]").format(memo=m.memo) if m.memo else "")
                     for m in view.mine)
    console.print(_("Your codes: ") + (escape(mine) if mine else _("[dim]none[/]")))
    if view.others:
        console.print(_("Other coders: ") + escape(", ".join(f"{m.code_id} ({m.coder})" + _span_words(seg.text, m.span)
                                                          for m in view.others)))
    if view.quote:
        console.print(_("[magenta]★ key quote[/]"))
    for s in view.suggestions:
        score = f"{s.score:.2f}" if s.score is not None else "–"
        reason = f" — {s.reason}" if s.reason else ""
        console.print(f"  [cyan]{s.number}[/] {escape(s.code_id)} {escape(s.name)} [dim]{score}{escape(reason)}[/]")
    if not keys:
        console.print(_("[dim]Enter done · a N / a * accept · r [N] reject · + CODE · - CODE · m text · k quote · s skip · u undo · q quit · ? help[/]"))
        return
    choose = _("a N / a * accept · r [N] reject") if len(view.suggestions) > 1 else _("a accept · r reject")
    console.print(_("[dim]keys: Enter/n done · {choose} · k quote · s skip · u undo · + / - code · m memo · : command · q quit · ? help[/]").format(choose=choose))


def _echo(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _run_keys(session: TagSession) -> SessionSummary:
    """The session driven by single keys; the terminal is restored however the loop ends."""
    from qualcode.cli.keys import KEY_HELP, key_lines, terminal_keys
    from qualcode.coding.tagging import run

    shown: list[SegmentView | None] = [None]

    def render(view: SegmentView | None) -> None:
        shown[0] = view
        render_view(view, keys=True)

    def is_help(line: str) -> bool:
        if line.strip().lower() not in ("?", "h"):
            return False
        err_console.print(escape(_(KEY_HELP)))
        return True

    with terminal_keys(sys.stdin.fileno()) as read_key:
        lines = key_lines(read_key, _echo, lambda: None if shown[0] is None else len(shown[0].suggestions))
        return run(session, (line for line in lines if not is_help(line)), render=render, report=_report)


def _report(message: str | Exception, error: bool) -> None:
    if isinstance(message, Exception):
        message = render_error(message)
    if error:
        err_console.print(_("[bold red]error:[/] {escape}").format(escape=escape(message)))
    else:
        err_console.print(f"[green]✓[/] {escape(message)}")


def tag(
    project: ProjectOpt = None,
    coder: CoderOpt = None,
    order: Annotated[
        str | None, typer.Option("--order", help="uncoded (default), uncertain (active learning) or document.")
    ] = None,
    code: CodesOpt = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document (id or name).")] = None,
    meta: Annotated[list[str] | None, typer.Option("--meta", "-m", help="Metadata key=value filter (repeatable).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only segments of this unit: paragraph, sentence, response.")] = None,
    sample: SampleOpt = None,
    blind: Annotated[bool, typer.Option("--blind", help="Hide other coders' codes (independent double coding).")] = False,
    no_suggestions: Annotated[bool, typer.Option("--no-suggestions", help="Do not show the model's suggestions.")] = False,
    session: Annotated[str, typer.Option("--session", help="Session name: each keeps its own place in the queue.")] = "default",
    retrain_every: Annotated[
        int, typer.Option("--retrain-every", help="Retrain suggestions in the background after this many segments (0 = never).")
    ] = 25,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="One score the 'uncertain' order measures distance from (default: each code's own threshold)."),
    ] = None,
    keys: Annotated[
        bool | None,
        typer.Option("--keys/--lines", help="Single keypresses, or typed lines confirmed with Enter (default: keys when stdin is a terminal)."),
    ] = None,
) -> None:
    """Read and code segments one by one; every decision is saved at once and the session resumes."""
    from qualcode.cli.keys import keys_available
    from qualcode.coding.retrain import Retrainer, default_trainer
    from qualcode.coding.tagging import QueueSpec, TagSession, run

    with open_project(project) as p:
        spec = None
        if any(x is not None for x in (order, code, document, meta, unit, sample, threshold)):
            spec = QueueSpec(
                order=order or "uncoded", unit=unit, code=tuple(split_values(code) or ()), document=document,
                meta=tuple(parse_meta(meta).items()), sample=sample, threshold=threshold,
            )
        trainer = default_trainer() if not no_suggestions else None
        retrainer = Retrainer(p.location or p.root, trainer, every=retrain_every) if trainer else None
        s = TagSession(p, coder=coder, spec=spec, session=session, blind=blind,
                       show_suggestions=not no_suggestions, retrainer=retrainer)
        if s.resumed:
            err_console.print(n_("Continuing where {coder} stopped ({n_queue} segment left).", "Continuing where {coder} stopped ({n_queue} segments left).",
                                 len(s.queue)).format(coder=s.coder, n_queue=len(s.queue)))
        use_keys = keys_available(sys.stdin) if keys is None else keys
        if use_keys and not keys_available(sys.stdin):
            err_console.print(_("[yellow]note:[/] key mode needs a terminal as input — reading lines (Enter after each command)."))
            use_keys = False
        start = s.state.decisions
        try:
            summary = _run_keys(s) if use_keys else run(s, _lines("> "), render=render_view, report=_report)
        except KeyboardInterrupt:
            err_console.print(n_("interrupted — {value} segment done, {n_queue} left. Everything is saved — continue with `qualcode tag`.",
                                 "interrupted — {value} segments done, {n_queue} left. Everything is saved — continue with `qualcode tag`.",
                                 s.state.decisions - start).format(value=s.state.decisions - start, n_queue=len(s.queue)))
            raise typer.Exit(130) from None
        if retrainer is not None and retrainer.busy:
            err_console.print(_("Waiting for the retraining of the suggestions to finish …"))
            retrainer.join()
        if retrainer is not None and retrainer.error:
            err_console.print(_("[yellow]note:[/] retraining the suggestions failed: {escape}").format(escape=escape(render_error(retrainer.error))))
    err_console.print(
        n_("{decisions} segment done, {remaining} left. Everything is saved — continue with `qualcode tag`.",
           "{decisions} segments done, {remaining} left. Everything is saved — continue with `qualcode tag`.", summary.decisions).format(decisions=summary.decisions, remaining=summary.remaining)
    )


def sample(
    n: Annotated[int | None, typer.Option("--n", help="Number of segments to draw.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed: the same seed gives the same sample.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the sample (default: urval-SEED-N).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Draw only segments of this unit.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Draw only from documents of this kind: note or survey.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the stored samples instead of drawing.")] = False,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Draw the same segment sample for every coder (deterministic, stored in the project)."""
    from qualcode.coding.double_coding import draw_sample
    from qualcode.core.errors import InputError

    with open_project(project) as p:
        if list_:
            rows = [{"name": s.name, "seed": s.seed, "n": s.n, **s.spec, "created_at": s.created_at}
                    for s in p.store.list_samples()]
            emit(rows, ["name", "seed", "n", "unit", "kind", "created_at"], fmt, title=_("Samples"))
            return
        if n is None or seed is None:
            raise InputError(_("give both --n and --seed, e.g. `qualcode sample --n 50 --seed 2018` (or --list)"))
        result = draw_sample(p, n, seed, name=name, unit=unit, kind=kind)
        segs = list(p.store.iter_segments(ids=list(result.segment_ids)))
    verb = _("Drew") if result.created else _("The sample already existed:")
    err_console.print(n_("{verb} '{name}' with {n_segs} segment (seed {seed}). Code it with `qualcode tag --sample {name} --blind`.",
                         "{verb} '{name}' with {n_segs} segments (seed {seed}). Code it with `qualcode tag --sample {name} --blind`.", len(segs)).format(verb=verb, name=result.name, n_segs=len(segs), seed=result.seed))
    rows = [
        {"segment": s.id, "document": s.document_name, "unit": s.unit,
         "text": _short(s.text) if fmt is Format.table else s.text}
        for s in segs
    ]
    emit(rows, ["segment", "document", "unit", "text"], fmt, title=_("Sample {name}").format(name=result.name))


def disagreements(
    coders: CodersOpt,
    codes: CodesOpt = None,
    sample: SampleOpt = None,
    threshold: ThresholdOpt = None,
    model_source: ModelSourceOpt = "predict",
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the segments where the coders' codes differ."""
    from qualcode.coding.double_coding import disagreements as find
    from qualcode.coding.double_coding import parse_coders

    names = parse_coders(coders)
    with open_project(project) as p:
        items = find(p, names, codes=split_values(codes), sample=sample, threshold=threshold, model=model_source)
    rows = [
        {
            "segment": d.segment.id, "document": d.segment.document_name,
            "text": d.segment.text if fmt is not Format.table else _short(d.segment.text, 70),
            **{c: list(d.codes[c]) if c in d.codes else None for c in names},
            "agreed": list(d.agreed), "disputed": list(d.disputed),
        }
        for d in items
    ]
    emit(rows, ["segment", "document", "text", *names, "agreed", "disputed"], fmt,
         title=n_("Disagreements between {names}: {n_rows} segment", "Disagreements between {names}: {n_rows} segments", len(rows)).format(names=', '.join(names), n_rows=len(rows)))


def _render_adjudication(session: AdjudicationSession) -> None:
    d = session.current
    if d is None:
        console.print(_("[bold green]Done:[/] no more disagreements."))
        return
    seg = d.segment
    console.rule(_("segment {id} · {escape} · {value} left").format(id=seg.id, escape=escape(seg.document_name), value=len(session.items) - session.index))
    console.print("[bold]" + escape(seg.text) + "[/]")
    for coder, codes in d.codes.items():
        console.print(f"  {escape(coder)}: " + (escape(", ".join(codes)) or _("[dim]none[/]")))
    for i, code in enumerate(d.disputed, start=1):
        mark = "x" if code in session.proposal else " "
        console.print(f"  [cyan]{i}[/] [{mark}] {escape(code)}")
    console.print(_("Suggestions: ") + (escape(", ".join(sorted(session.proposal))) or _("[dim]no codes[/]")))
    console.print(_("[dim]Enter save · digit toggle · + / - CODE · a all · c CODER · s skip · u undo · q quit[/]"))


def adjudicate(
    coders: CodersOpt,
    codes: CodesOpt = None,
    sample: SampleOpt = None,
    threshold: ThresholdOpt = None,
    model_source: ModelSourceOpt = "predict",
    coder: Annotated[str | None, typer.Option("--coder", help="Who adjudicates (for the audit log).")] = None,
    project: ProjectOpt = None,
) -> None:
    """Walk the disagreements and record the agreed codes as coder 'consensus'."""
    from qualcode.coding.double_coding import AdjudicationSession, parse_coders
    from qualcode.coding.double_coding import disagreements as find
    from qualcode.core.errors import QualcodeError

    names = parse_coders(coders)
    saved = 0
    with open_project(project) as p:
        items = find(p, names, codes=split_values(codes), sample=sample, threshold=threshold, model=model_source)
        session = AdjudicationSession(p, items, actor=coder or p.coder)
        _render_adjudication(session)
        for line in _lines("> "):
            if line.strip().lower() == "q" or session.current is None:
                break
            try:
                message = session.apply(line)
            except QualcodeError as exc:
                _report(exc, True)
                continue
            _report(message, False)
            _render_adjudication(session)
        saved = len(session.saved)
    err_console.print(n_("{saved} consensus decision saved as coder 'consensus'.", "{saved} consensus decisions saved as coder 'consensus'.",
                         saved).format(saved=saved))


def register(app: typer.Typer) -> None:
    app.command("tag")(tag)
    app.command("sample")(sample)
    app.command("disagreements")(disagreements)
    app.command("adjudicate")(adjudicate)
