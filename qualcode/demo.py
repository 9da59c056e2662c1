"""`qualcode demo`: a project from the bundled sample corpus, coded, counted and reported."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ProjectError
from .store import DB_NAME

Table = tuple[str, list[str], list[dict[str, Any]]]


@dataclass
class DemoResult:
    project_dir: Path
    tables: list[Table] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def bundled_corpus() -> Path:
    return Path(__file__).resolve().parent.parent / "corpora"


def _fresh_dir(directory: Path, force: bool) -> None:
    if directory.exists() and any(directory.iterdir()):
        if not force:
            raise ProjectError(f"'{directory}' finns redan — ta bort den, välj en annan med --dir, eller kör med --force")
        if not (directory / DB_NAME).exists():
            raise ProjectError(f"'{directory}' är inte ett qualcode-projekt; --force ersätter bara tidigare demoprojekt")
        shutil.rmtree(directory)


def run_demo(
    directory: str | Path,
    corpus_dir: str | Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Create the demo project and return the tables to show."""
    from .coding import import_codings
    from .corpus import import_notes, import_survey
    from .counting import TOTAL, format_number
    from .counts import code_counts
    from .project import init_project

    directory = Path(directory)
    corpus = Path(corpus_dir) if corpus_dir else bundled_corpus()
    if not (corpus / "intervjuer").is_dir():
        raise ProjectError(f"hittar inte exempelkorpusen i '{corpus}' — ange --corpus MAPP (mappen corpora/ i qualcode)")
    _fresh_dir(directory, force)
    result = DemoResult(project_dir=directory)
    with init_project(directory, name="Exempelprojekt: handlingsplanen", coder="forskare") as project:
        progress(f"Skapade projektet i {directory}")
        r = import_notes(project, [p for p in sorted((corpus / "intervjuer").glob("*.md"))])
        progress(f"Importerade {r.documents} gruppintervjuer ({r.segments} stycken)")
        docx_dir = corpus / "intervjuer" / "docx"
        if docx_dir.is_dir():
            sidecar = docx_dir / "metadata.csv"
            r = import_notes(project, sorted(docx_dir.glob("*.docx")), sidecar=sidecar if sidecar.exists() else None)
            progress(f"Importerade {r.documents} Word-anteckning(ar)")
        survey = corpus / "enkat" / "enkatkommentarer.csv"
        if survey.exists():
            r = import_survey(project, survey, ["motivering"], id_column="id")
            progress(f"Importerade {r.documents} enkätkommentarer (cp1252, semikolon)")
        n = 0
        for coded in sorted(corpus.glob("kodningar*.jsonl")):
            n += import_codings(project, coded)
        progress(f"Lade in {n} manuella kodningar från exempelkodningen")

        counts = code_counts(project, by=["termin"], unit="document", kind="note", coders=["forskare"])
        rows = []
        for rec in counts.to_records():
            if rec["level"] > 0 and not rec[TOTAL]:
                continue
            row = {"kod": rec["code"], "namn": ("  " * rec["level"]) + rec["name"]}
            for g in counts.table.groups:
                row[g] = rec[g]
            row[TOTAL] = rec[TOTAL]
            rows.append(row)
        bases = ", ".join(f"{g}: {b}" for g, b in counts.bases.items())
        result.tables.append(
            (f"I hur många gruppintervjuer togs temat upp? (per termin; antal intervjuer {bases})",
             ["kod", "namn", *counts.table.groups, TOTAL], rows)
        )
        admin = counts.total.count("G-ADMIN")
        pct = counts.total.percent("G-ADMIN")
        result.summary.append(
            f"Administrativt stöd togs upp i {admin} av {counts.bases[TOTAL]} gruppintervjuer ({format_number(pct)} %)."
        )
    result.summary.append(f"Projektet finns i {directory} — prova `qualcode -h` eller `qualcode counts -p {directory}`.")
    return result

