"""`qualcode agreement`: intercoder agreement per code and overall."""

from __future__ import annotations

import json
from typing import Any

import typer

from qualcode.cli.common import (
    CodersOpt,
    CodesOpt,
    Format,
    FormatOpt,
    ModelSourceOpt,
    ProjectOpt,
    SampleOpt,
    ThresholdOpt,
    emit,
    open_project,
    split_values,
)
from qualcode.core.i18n import _, n_


def _num(x: float | None) -> str:
    from qualcode.analysis.tally import format_number

    return "–" if x is None else format_number(float(x), 3)


def agreement(
    coders: CodersOpt,
    codes: CodesOpt = None,
    sample: SampleOpt = None,
    threshold: ThresholdOpt = None,
    model_source: ModelSourceOpt = "predict",
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Percent agreement, Cohen's kappa (two coders) and Krippendorff's alpha, per code and pooled."""
    from qualcode.core.agreement import OVERALL
    from qualcode.coding.double_coding import agreement_report, parse_coders

    with open_project(project) as p:
        report = agreement_report(
            p, parse_coders(coders), codes=split_values(codes), sample=sample, threshold=threshold, model=model_source
        )
        cb = p.codebook
        names = {c.id: c.name for c in cb.codes}
    if fmt is Format.json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    rows = []
    for r in report.rows:
        d: dict[str, Any] = r.to_dict()
        d["name"] = _("all codes (pooled)") if r.code == OVERALL else names.get(r.code, "")
        if fmt is Format.table:
            name = d["name"]
            d.update(percent=_num(d["percent"]), kappa=_num(d["kappa"]), alpha=_num(d["alpha"]),
                     name=name if len(name) <= 32 else name[:31] + "…")
        rows.append(d)
    columns = ["code", "name", "units", "positives", "percent", "kappa", "alpha"]
    if len(report.coders) > 2:
        columns.remove("kappa")
    emit(rows, columns, fmt, title=n_("Agreement {coders} ({units} shared segment)", "Agreement {coders} ({units} shared segments)", report.units).format(coders=', '.join(report.coders), units=report.units))
    if report.characters and fmt is Format.table:
        chars = [
            {"code": r.code, "characters": r.characters, "coded": f"{r.coded[0]} / {r.coded[1]}", "both": r.both,
             "overlap": _num(None if r.either == 0 else r.overlap), "percent": _num(None if r.characters == 0 else r.percent),
             "kappa": _num(None if r.kappa != r.kappa else r.kappa)}
            for r in report.characters
        ]
        emit(chars, ["code", "characters", "coded", "both", "overlap", "percent", "kappa"], fmt,
             title=_("Per character: coded characters the coders share (same segment)"))


def register(app: typer.Typer) -> None:
    app.command("agreement")(agreement)
