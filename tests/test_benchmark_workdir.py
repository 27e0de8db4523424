"""The benchmarks leave nothing behind in the temporary directory unless asked to."""

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "bench_workdir", Path(__file__).resolve().parent.parent / "benchmarks" / "workdir.py"
)
workdir = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(workdir)


def test_a_temporary_work_dir_is_removed_with_what_the_run_wrote(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    with workdir.work_dir(None, "bench-") as path:
        assert path.parent == tmp_path and path.name.startswith("bench-")
        (path / "sub").mkdir()
        (path / "sub" / "db.sqlite3").write_bytes(b"x" * 1024)
    assert not path.exists() and list(tmp_path.iterdir()) == []
    assert workdir.where(path, kept=False) == ""


def test_a_failed_run_removes_its_work_dir_too(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with pytest.raises(KeyboardInterrupt), workdir.work_dir(None, "bench-") as path:
        (path / "sample.dpm").write_bytes(b"SQLite format 3\0")
        raise KeyboardInterrupt
    assert not path.exists()


def test_a_kept_work_dir_is_created_and_left_with_its_files(tmp_path):
    keep = tmp_path / "runs" / "today"
    with workdir.work_dir(str(keep), "bench-") as path:
        assert path == keep and path.is_dir()
        (path / "report.json").write_text("{}")
    assert (keep / "report.json").read_text() == "{}"
    assert workdir.where(keep, kept=True) == f", work dir {keep}"
