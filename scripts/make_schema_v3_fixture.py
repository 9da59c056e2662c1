"""Write tests/fixtures/spans/schema_v3.sql: a project built by qualcode at schema version 3.

The dump is made by the code as it was before codings had spans (commit OLD_COMMIT,
migrations 1-3), so the migration test runs on a database the old code really wrote.
The old package is taken from git into a temporary folder and run there.

Usage: python scripts/make_schema_v3_fixture.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "spans" / "schema_v3.sql"
OLD_COMMIT = "d01f7b2"

BUILD = r'''
import sqlite3, sys
from pathlib import Path
from qualcode.project import init_project
from qualcode.ingest.service import import_notes
from qualcode.coding.service import add_codes, flag_quote
from qualcode.store.database import SCHEMA_VERSION

assert SCHEMA_VERSION == 3, SCHEMA_VERSION
root = Path(sys.argv[1])
note = root / "intervju-åsa.txt"
note.write_bytes("Första stycket om lönen 😀 och arbetsmiljön.\r\n\r\nAndra stycket: ärendemängden är för hög.\r\n\r\nTredje – handledning på fredagar.\r\n".encode("utf-8"))
p = init_project(root / "proj", name="v3", coder="anna")
import_notes(p, [note])
segs = list(p.store.iter_segments(unit="paragraph"))
add_codes(p, [segs[0].id], ["T-LON"], memo="lön och emoji")
add_codes(p, [segs[1].id], ["P01", "P05"])
add_codes(p, [segs[1].id], ["P05"], coder="bertil")
p.store.upsert_coding(segs[2].id, "P08", "qualcode", "suggested", score=0.71, model_version="m1", reason="handledning")
flag_quote(p, segs[1].id)
p.close()
conn = sqlite3.connect(str(root / "proj" / "qualcode.db"))
sys.stdout.write("\n".join(conn.iterdump()) + "\n")
'''


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "archive", OLD_COMMIT, "qualcode", "codebooks"], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        work = Path(tmp) / "work"
        work.mkdir()
        env = dict(os.environ, PYTHONPATH=str(old))
        dump = subprocess.run([sys.executable, "-c", BUILD, str(work)], env=env, cwd=tmp, capture_output=True, text=True)
        if dump.returncode:
            sys.exit(dump.stderr)
    OUT.write_text(dump.stdout, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
