"""Output files appear whole or not at all; an output place that cannot be written is one
clear error (exit 2) and leaves no truncated file behind."""

from __future__ import annotations

import errno
import os

import pandas as pd
import pytest

from sim.cli import main
from sim.report.writing import OutputError, output_folder, write_csv, write_text


def test_an_output_folder_under_a_file_is_one_clear_error(tmp_path, capsys):
    blocker = tmp_path / "report.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["run", "tiny", "-r", "1", "--set", "run.horizon=10 d", "--out", str(blocker / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "cannot create the output folder" in err and "is a file, not a folder" in err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_clear_error(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert main(["run", "tiny", "-r", "1", "--set", "run.horizon=10 d", "--out", str(folder)]) == 2
        assert "permission denied" in capsys.readouterr().err
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    target = tmp_path / "incidents.csv"
    target.write_text("the previous run's table\n", encoding="utf-8")

    def disk_full(self, path, **kwargs):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("half a tab")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(OutputError, match="cannot write .*incidents.csv: no space left on the device"):
        write_csv(target, pd.DataFrame({"a": [1]}))
    assert target.read_text(encoding="utf-8") == "the previous run's table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["incidents.csv"]


def test_whole_files_replace_old_ones(tmp_path):
    folder = output_folder(tmp_path / "a" / "b")
    write_text(folder / "x.txt", "first")
    write_text(folder / "x.txt", "second")
    assert (folder / "x.txt").read_text(encoding="utf-8") == "second"
    assert [p.name for p in folder.iterdir()] == ["x.txt"]
