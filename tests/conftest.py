"""Shared fixtures: a temp project and a temp home; paths to the bundled data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
CORPORA = ROOT / "corpora"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("QUALCODE_LANG", "sv")  # tests compare Swedish output whatever the machine's locale
    yield


@pytest.fixture
def shared_dir() -> Path:
    """../shared/ beside the checkout; tests using it skip cleanly when it is absent."""
    if not SHARED.exists():
        pytest.skip("../shared/ is not present")
    return SHARED
