"""`sop run` on a real full disk (a small tmpfs), and the `save:` output limit."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def small_desk(run, small_disk) -> Path:
    """A desk on the small disk with ticket INC-1."""
    desk = small_disk.path / "desk"
    assert run("init", str(desk)).code == 0
    assert run("ticket", "create", "--title", "printer down", cwd=desk).code == 0
    return desk


def error_lines(result) -> list[str]:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
    return [line for line in result.stderr.splitlines() if line.startswith("deskctl: error:")]


def runs(run, desk: Path) -> list[dict]:
    listed = run("sop", "history", "--json", cwd=desk)
    assert listed.code == 0, listed
    return listed.json()


@pytest.mark.parametrize("disk", ["full", "read-only"])
def test_a_run_that_cannot_be_recorded_runs_nothing(run, small_desk, small_disk, tmp_path, disk):
    marker = tmp_path / "ran"
    (small_desk / "sops" / "touch.yaml").write_text(f"name: touch\ntargets: localhost\nsteps:\n  - name: t\n    local: touch {marker}\n")
    small_disk.fill(leave=0) if disk == "full" else small_disk.read_only()
    try:
        result = run("sop", "run", "touch", "--ticket", "INC-1", cwd=small_desk)
    finally:
        small_disk.free() if disk == "full" else small_disk.writable()
    assert result.code == 1, result
    [line] = error_lines(result)
    why = "disk is full" if disk == "full" else "read-only"
    assert why in line and "nothing was run" in line and str(small_desk / "data" / "runs") in line, result
    assert not marker.exists()
    assert runs(run, small_desk) == []
    assert run("store", "check", cwd=small_desk).code == 0


def test_a_step_that_fills_the_disk_leaves_no_run_running_forever(run, small_desk, small_disk):
    filler = small_disk.path / "filled-by-the-step"
    (small_desk / "sops" / "fill.yaml").write_text(
        "name: fill\ntargets: localhost\nsteps:\n  - name: fill the disk\n"
        f"    local: cat /dev/zero > {filler} 2>/dev/null; echo filled\n"
    )
    result = run("sop", "run", "fill", "--ticket", "INC-1", cwd=small_desk)
    assert result.code == 1, result
    [line] = error_lines(result)  # one line: the record, and the ticket that has no event
    assert "disk is full" in line and "INC-1" in line and "abandoned" in line, result
    filler.unlink()
    [row] = runs(run, small_desk)
    assert row["status"] == "abandoned", row  # its process is gone: never `running` again
    shown = run("sop", "show-run", row["id"], "--json", cwd=small_desk)
    assert shown.code == 0 and shown.json()["status"] == "abandoned", shown
    ticket = run("ticket", "show", "INC-1", "--json", cwd=small_desk)
    assert ticket.code == 0, ticket
    assert run("store", "check", cwd=small_desk).code == 0


def test_a_run_is_finished_when_the_record_fits_only_without_its_output(run, small_desk, small_disk):
    (small_desk / "sops" / "chatty.yaml").write_text(
        "name: chatty\ntargets: localhost\nsteps:\n"
        + "".join(f"  - name: s{i}\n    local: yes | head -c 3900\n" for i in range(12))
    )
    small_disk.fill(leave=16 * 1024)  # the first record fits; the one with 12 x 4 KB of output does not
    result = run("sop", "run", "chatty", cwd=small_desk)
    assert result.code == 0, result
    small_disk.free()
    [row] = runs(run, small_desk)
    record = run("sop", "show-run", row["id"], "--json", cwd=small_desk).json()
    assert record["status"] == "ok" and "disk was full" in record["output_dropped"]


def test_save_warns_when_the_output_was_cut(drun, desk):
    (desk / "sops" / "big.yaml").write_text(
        "name: big\ntargets: localhost\nsteps:\n  - name: dump\n    local: head -c 17825792 /dev/zero\n    save: dump.bin\n"
    )
    result = drun("sop", "run", "big", "--json")
    assert result.code == 0, result
    warnings = [line for line in result.stderr.splitlines() if line.startswith("deskctl: warning:")]
    assert len(warnings) == 1 and "17.0 MiB" in warnings[0] and "16.0 MiB" in warnings[0], result
    record = result.json()
    [step] = record["hosts"][0]["steps"]
    assert step["warnings"] and "dump.bin" in step["warnings"][0]
    [artifact] = step["artifacts"]
    assert Path(artifact).stat().st_size == 16 * 1024 * 1024
    stored = drun("sop", "show-run", record["id"], "--json").json()
    assert stored["hosts"][0]["steps"][0]["warnings"] == step["warnings"]
