"""Render the demo report's DOCX to PDF and PNG pages with LibreOffice, to look at it as she will.

    python scripts/render_report.py                      # demo project in a temporary folder
    python scripts/render_report.py --out rendered --project mitt-projekt --by stadsdel,termin
    python scripts/render_report.py --docx rapport/rapport.docx --out rendered

Writes OUT/rapport.docx, OUT/rapport.pdf and OUT/sida-01.png, sida-02.png … (100 dpi), and
prints the number of pages. Needs LibreOffice (`soffice`) and poppler (`pdftoppm`):
`apt-get install -y libreoffice-writer-nogui poppler-utils`. Without them it says so and stops.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    missing = [n for n, t in (("soffice (LibreOffice)", soffice), ("pdftoppm (poppler-utils)", pdftoppm)) if not t]
    if missing:
        sys.exit(f"saknas: {', '.join(missing)} — installera med "
                 "`apt-get install -y libreoffice-writer-nogui poppler-utils`")
    return soffice, pdftoppm  # type: ignore[return-value]


def build_docx(out: Path, project: Path | None, by: list[str], kind: str | None) -> Path:
    from qualcode.export.report import write_report
    from qualcode.project import find_project

    if project is None:
        from qualcode.demo import run_demo

        project = Path(tempfile.mkdtemp(prefix="qualcode-demo-")) / "demo"
        run_demo(project)
        by = by or ["termin", "grupp"]
    with find_project(project) as p:
        result = write_report(p, out, formats=("docx",), by=by, kind=kind)
    return result.files[0]


def render(docx: Path, out: Path, dpi: int = 100) -> list[Path]:
    soffice, pdftoppm = _tools()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        # a private LibreOffice profile: runs beside an open LibreOffice and leaves no state behind
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), str(docx)],
            check=True, capture_output=True, timeout=600,
        )
    pdf = out / (docx.stem + ".pdf")
    for old in out.glob("sida-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(out / "sida")], check=True, timeout=600)
    return sorted(out.glob("sida-*.png"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("rendered-report"), help="folder for docx, pdf and png pages")
    ap.add_argument("--project", type=Path, help="a project folder (default: build the demo project)")
    ap.add_argument("--docx", type=Path, help="render this DOCX instead of building a report")
    ap.add_argument("--by", default="", help="metadata fields to break down by, comma-separated")
    ap.add_argument("--kind", help="only documents of this kind: note or survey")
    ap.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args(argv)
    _tools()
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    docx = args.docx or build_docx(args.out, args.project, by, args.kind)
    pages = render(docx, args.out, args.dpi)
    print(f"{docx} → {args.out / (docx.stem + '.pdf')}: {len(pages)} sidor ({pages[0].name} …)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
