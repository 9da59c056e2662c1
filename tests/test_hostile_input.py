"""Hostile input: models that would run code, resource bombs, text that changes silently."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.coding.service import add_codes
from qualcode.ingest.service import import_notes
from qualcode.project import find_project

from helpers import make_project, project_dump

runner = CliRunner()


def _one_line(r) -> str:
    assert r.exit_code == 1, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    return lines[0]


class _Payload:
    """What a hostile pickle does when it is read: here, create a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def coded(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text("\n\n".join(["Lokalerna är trånga.", "Lönen är för låg.", "Chefen stöttar oss."] * 3) + "\n",
                    encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [note])
        segs = [s.id for s in p.store.iter_segments()]
        add_codes(p, segs[0::3], ["P13"])
        add_codes(p, segs[1::3], ["T-LON"])
        add_codes(p, segs[2::3], ["P05"])
    return tmp_path / "p"


def test_an_old_pickled_model_is_refused_unless_trusted(coded, tmp_path):
    marker = tmp_path / "pickle-ran"
    with find_project(coded) as p, p.store.transaction():
        p.store.save_model("gammal", p.codebook.hash(), {}, {}, pickle.dumps(_Payload(marker)))
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["suggest", "-p", str(coded)]))
    assert "gamla pickle-formatet" in line and "lästes inte" in line
    assert "`--trust-pickle`" in line and "`qualcode train`" in line
    assert not marker.exists()  # nothing of the pickle ran
    assert project_dump(coded) == before
    # Trusting it really reads the pickle (here: the payload runs and is no model).
    line = _one_line(runner.invoke(app, ["suggest", "-p", str(coded), "--trust-pickle"]))
    assert marker.exists() and "inte en qualcode-modell" in line
    # `qualcode train` rebuilds the model in the safe format; suggestions work again.
    r = runner.invoke(app, ["train", "-p", str(coded), "--cv", "0"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["suggest", "-p", str(coded)])
    assert r.exit_code == 0, r.output
    with find_project(coded) as p:
        blob = p.store.latest_model()["blob"]
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        assert "meta.json" in data.files and all(data[k].dtype != object for k in data.files)
