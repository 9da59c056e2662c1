"""`qualcode nlp train`: train, evaluate and package a Swedish pipeline (same as scripts/train_sv_pipeline.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import Format, FormatOpt, emit, err_console
from qualcode.core.i18n import _

_PATH = dict(exists=True, dir_okay=False, readable=True)


def train(
    ud_train: Annotated[list[Path], typer.Option("--ud-train", help="CoNLL-U training file (repeat for several).", **_PATH)],
    ud_test: Annotated[Path, typer.Option("--ud-test", help="Held-out CoNLL-U test file.", **_PATH)],
    ner_train: Annotated[Path, typer.Option("--ner-train", help="IO-tagged NER training file.", **_PATH)],
    ner_test: Annotated[Path, typer.Option("--ner-test", help="IO-tagged NER test file.", **_PATH)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder (corpus, models, wheel, scores).")] = Path(
        "nlp-training/sv_qualcode_sm"),
    ud_dev: Annotated[Path | None, typer.Option("--ud-dev", help="CoNLL-U dev file (default: held out from training).",
                                                **_PATH)] = None,
    quick: Annotated[bool, typer.Option("--quick", help="A few steps on a few sentences (tests the path).")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Train POS, lemmas, parser (UD) and NER, evaluate on held-out data, build a wheel."""
    from qualcode.nlp.train import TrainSettings, train_pipeline

    settings = TrainSettings.quick() if quick else TrainSettings()
    err_console.print(_("training in {output} (log: {value}); default settings take up to 30 min").format(output=output, value=output / 'train.log'))
    result = train_pipeline(ud_train, ud_test, ner_train, ner_test, output, settings, ud_dev=ud_dev)
    rows = [{"score": k, "value": v} for k, v in result.scores.items() if isinstance(v, (int, float))]
    emit(rows, ["score", "value"], fmt, title=_("Scores on test data not used in training"))
    err_console.print(_("wheel: {wheel}\nscores: {scores_path}\ninstall: pip install {wheel}").format(wheel=result.wheel, scores_path=result.scores_path))


def register(app: typer.Typer) -> None:
    """Attach `train` to the existing `nlp` sub-app (qualcode/cli/nlp.py)."""
    from qualcode.cli.nlp import app as nlp_app

    nlp_app.command("train")(train)
