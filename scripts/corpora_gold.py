"""Write the bundled sample interview notes as coded JSONL for `qualcode evaluate --gold`.

    python scripts/corpora_gold.py OUT.jsonl

Each paragraph of `corpora/intervjuer/*.md` becomes `{"id", "text", "codes"}`, with the codes
of `corpora/kodningar.jsonl` (matched by the quote at the start of or inside the paragraph);
paragraphs without a coding get `[]`. The notes are fictional and written independently of
`../shared/data/coded-segments-dev.jsonl`, so training on one and evaluating on the other
shows how the suggester carries over to a different kind of text.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "corpora"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpora-gold.jsonl")
    codings = [json.loads(line) for line in (ROOT / "kodningar.jsonl").read_text(encoding="utf-8").splitlines()]
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for c in codings:
        by_doc[c["document"]].append(c)
    rows = []
    for path in sorted((ROOT / "intervjuer").glob("*.md")):
        rel = f"intervjuer/{path.name}"
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        for k, para in enumerate(p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()):
            codes = sorted({code for c in by_doc.get(rel, []) if c["quote"][:60] in para for code in c["codes"]})
            rows.append({"id": f"{rel}#{k}", "text": para, "codes": codes})
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} paragraphs, {sum(bool(r['codes']) for r in rows)} coded -> {out}")


if __name__ == "__main__":
    main()
