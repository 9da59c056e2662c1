"""`qualcode demo`: a project from the bundled sample corpus, coded, counted and reported."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import Hint, ProjectError
from qualcode.store.database import DB_NAME
from qualcode.core.i18n import _, format_decimal, n_

if TYPE_CHECKING:
    from qualcode.project import Project

Table = tuple[str, list[str], list[dict[str, Any]]]


@dataclass
class DemoResult:
    project_dir: Path
    tables: list[Table] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    next_steps: list[Hint] = field(default_factory=list)  # what to try next, rendered by the front end


def bundled_corpus() -> Path:
    return Path(__file__).resolve().parent.parent / "corpora"


def _fresh_dir(directory: Path, force: bool) -> None:
    if directory.exists() and any(directory.iterdir()):
        if not force:
            raise ProjectError(
                _("'{directory}' already exists").format(directory=directory), value=str(directory),
                hint=Hint(_("remove it, choose another folder, or replace an earlier demo project"), option="force"),
            )
        if not (directory / DB_NAME).exists():
            raise ProjectError(
                _("'{directory}' is not a qualcode project; only an earlier demo project can be replaced").format(directory=directory),
                value=str(directory), hint=Hint(_("choose another folder"), option="dir", example="MAPP"),
            )
        shutil.rmtree(directory)


def run_demo(
    directory: str | Path,
    corpus_dir: str | Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Create the demo project and return the tables to show."""
    from qualcode.analysis.code_counts import code_counts
    from qualcode.analysis.tally import TOTAL, format_number
    from qualcode.coding.service import import_codings
    from qualcode.ingest.readers import NoAnswerWarning
    from qualcode.ingest.service import import_notes, import_survey
    from qualcode.project import init_project

    directory = Path(directory)
    corpus = Path(corpus_dir) if corpus_dir else bundled_corpus()
    if not (corpus / "intervjuer").is_dir():
        raise ProjectError(
            _("cannot find the sample corpus in '{corpus}'").format(corpus=corpus), value=str(corpus),
            hint=Hint(_("give the folder corpora/ in qualcode"), option="corpus", example="MAPP"),
        )
    _fresh_dir(directory, force)
    result = DemoResult(project_dir=directory)
    with init_project(directory, name="Exempelprojekt: handlingsplanen", coder="forskare") as project:
        progress(_("Created the project in {directory}").format(directory=directory))
        r = import_notes(project, [p for p in sorted((corpus / "intervjuer").glob("*.md"))])
        progress(_("Imported {documents} group interviews ({segments} paragraphs)").format(documents=r.documents, segments=r.segments))
        docx_dir = corpus / "intervjuer" / "docx"
        if docx_dir.is_dir():
            sidecar = docx_dir / "metadata.csv"
            r = import_notes(project, sorted(docx_dir.glob("*.docx")), sidecar=sidecar if sidecar.exists() else None)
            progress(_("Imported {documents} Word note(s)").format(documents=r.documents))
        survey = corpus / "enkat" / "enkatkommentarer.csv"
        if survey.exists():
            r = import_survey(project, survey, ["motivering"], id_column="id")
            progress(_("Imported {documents} survey comments (cp1252, semicolon)").format(documents=r.documents))
        questionnaire = corpus / "slutenkat-2018.csv"
        if questionnaire.exists():
            cols = [f"{s}_{i}" for s in ("langst", "behov") for i in (1, 2, 3)]
            with warnings.catch_warnings():  # the sample's '-' cells are no answers by design, as in a real export
                warnings.filterwarnings("ignore", category=NoAnswerWarning)
                r = import_survey(project, questionnaire, cols, id_column="respondent")
            progress(_("Imported the questionnaire's free-text answers ({documents} answers from {respondents} respondents)").format(documents=r.documents, respondents=r.respondents))
        n = 0
        for coded in sorted(corpus.glob("kodningar*.jsonl")):
            n += import_codings(project, coded)
        progress(_("Added {n} manual codings from the sample coding").format(n=n))

        counts = code_counts(project, by=["termin"], unit="document", kind="note", coders=["forskare"])
        rows = []
        # columns as a person reads them (the table is shown, never written as CSV)
        code_col, name_col = _("code"), _("name")
        names = {g: counts.group_name(g) for g in (*counts.table.groups, TOTAL)}
        for rec in counts.to_records():
            if rec["level"] > 0 and not rec[TOTAL]:
                continue
            row = {code_col: rec["code"], name_col: ("  " * rec["level"]) + rec["name"]}
            for g in (*counts.table.groups, TOTAL):
                row[names[g]] = rec[g]
            rows.append(row)
        bases = ", ".join(f"{names[g]}: {b}" for g, b in counts.bases.items())
        result.tables.append(
            (_("In how many group interviews was the theme raised? (per term; number of interviews {bases})").format(bases=bases),
             [code_col, name_col, *names.values()], rows)
        )
        admin = counts.total.count("G-ADMIN")  # "in how many interviews was administrativt stöd raised"
        pct = counts.total.percent("G-ADMIN")
        result.summary.append(
            _("Administrative support was raised in {admin} of {total} group interviews ({pct} %).").format(admin=admin, total=counts.bases[TOTAL], pct=format_number(pct))
        )
        _mentions(project, corpus, result, progress)
        _suggestions(project, result, progress)
        _report(project, directory / "rapport", result, progress)
    result.summary.append(_("The project is in {directory}.").format(directory=directory))
    result.next_steps.append(Hint(_("count the codes"), command=("counts",), option="project", example=str(directory)))
    return result



def _mentions(project: Project, corpus: Path, result: DemoResult, progress: Callable[[str], None]) -> None:
    """Questionnaire: times each area is named as furthest along / most needed; check vs published."""
    from qualcode.analysis.mentions.mapper import MentionMapper, load_mapping
    from qualcode.analysis.mentions.tables import (
        answered_only,
        compare_published,
        count_mentions,
        load_published,
        project_answers,
        report_tables,
        select_columns,
    )

    if project.store.count_documents(kind="survey") == 0:
        return
    mapping = None
    mapping_file = corpus / "slutenkat-2018-mappning.csv"
    if mapping_file.exists():
        # The researcher settles unclear answers once in a mapping file; the report reuses it.
        shutil.copy(mapping_file, project.root / mapping_file.name)
        project.config.setdefault("mentions", {})["mapping"] = mapping_file.name
        project.save_config()
        mapping = load_mapping(mapping_file, project.codebook)
    questions = corpus / "slutenkat-2018-fragor.csv"
    if questions.exists():
        # The question texts head the report's survey sections, in questionnaire order.
        shutil.copy(questions, project.root / questions.name)
        project.config.setdefault("report", {})["questions"] = questions.name
        project.save_config()
    answers = project_answers(project.store)
    sets = select_columns(answers.columns, ["langst", "behov"])
    answers = answered_only(answers, [c for s in sets for c in s.columns])
    counts = count_mentions(answers, sets, MentionMapper(project.codebook, mapping))
    progress(_("Categorised the questionnaire's answers (unclear: {n})").format(n=len(counts.unresolved)))
    for table in report_tables(counts):
        if table.total:
            result.tables.append((_("The questionnaire, {title}").format(title=table.title), list(table.columns),
                                  [dict(zip(table.columns, row)) for row in table.rows]))
    published = corpus / "slutenkat-2018-publicerade-tabeller.json"
    if published.exists():
        cmp = compare_published(counts, load_published(published))
        result.summary.append(
            _("The questionnaire: {equal} of {cells} table cells equal the published tables, {unresolved} answers unclear.").format(
                equal=cmp.equal, cells=cmp.cells, unresolved=cmp.unresolved)
        )
        result.next_steps.append(Hint(_("compare with the published tables"), command=("mentions", "compare")))


def _suggestions(project: Project, result: DemoResult, progress: Callable[[str], None]) -> None:
    """Train on the sample's manual codings and suggest codes for the uncoded survey comments."""
    from qualcode.suggest.service import suggest_project, train_project

    trained = train_project(project, cv=5)
    ev = trained.evaluation
    f1 = _(", cross-validated micro-F1 {f1}").format(f1=format_decimal(ev.micro.f1, 2)) if ev is not None else ""
    progress(n_("Trained the suggestion model {version} on {n} coded segment", "Trained the suggestion model {version} on {n} coded segments", trained.n_segments).format(version=trained.version, n=trained.n_segments) + f1)
    suggested = suggest_project(project, segments="uncoded", meta={"field": "motivering"})
    result.summary.append(
        _("Suggestions: {n} code suggestions for {segments} uncoded survey comments to review.").format(
            n=suggested.n_suggestions, segments=suggested.n_segments)
    )
    result.next_steps.append(Hint(_("review the suggestions"), command=("suggest", "list")))
    result.next_steps.append(Hint(_("or code segment by segment"), command=("tag",)))


def _report(project: Project, out: Path, result: DemoResult, progress: Callable[[str], None]) -> None:
    from qualcode.export.report import write_report

    written = write_report(project, out, formats=("md", "docx", "xlsx"), by=("termin", "grupp"), kind="note")
    progress(_("Wrote the report material ({n} files) to {out}").format(n=len(written.files), out=out))
    result.summary.append(
        _("Report: {out}/rapport.docx, .md and .xlsx — quotes pseudonymised, cells under 5 shown as *.").format(out=out)
    )
