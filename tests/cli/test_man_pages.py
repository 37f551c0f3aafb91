"""`deskctl help --man DIR`: one man page per command, made from the click commands, that
groff renders without a warning and `man -l` shows with the command's real options."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deskctl.util import roff
from tests.support.missing import missing


def groff(page: Path) -> subprocess.CompletedProcess:
    if shutil.which("groff") is None:
        missing("groff is not installed (apt-get install groff-base; scripts/test installs it)")
    # -ww: every warning; -z: format, print nothing (the warnings go to stderr)
    return subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True, text=True,
                          timeout=30)


def man(page: Path) -> str:
    if shutil.which("man") is None:
        missing("man is not installed (apt-get install man-db; scripts/test installs it)")
    env = {**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat", "LANG": "C.UTF-8"}
    proc = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def commands_listed(help_text: str) -> list[str]:
    """The command names of a `--help`'s Commands section."""
    lines = help_text.split("\nCommands:\n", 1)[1].splitlines()
    return [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]


@pytest.fixture
def pages(drun, tmp_path) -> Path:
    folder = tmp_path / "man"
    result = drun("help", "--man", str(folder))
    assert result.code == 0, result
    assert result.stdout.strip() == str(folder)
    return folder


def test_every_command_gets_a_page(pages, drun):
    assert (pages / "deskctl.1").is_file()
    groups = commands_listed(drun("--help").stdout)
    assert {"ticket", "sop", "store", "help"} <= set(groups)
    for group in groups:
        assert (pages / f"deskctl-{group}.1").is_file(), group
    for command in commands_listed(drun("ticket", "--help").stdout):
        assert (pages / f"deskctl-ticket-{command}.1").is_file(), command
    assert (pages / "deskctl-ticket-create.1").is_file()


def test_every_page_renders_without_a_roff_warning(pages):
    rendered = sorted(pages.glob("*.1"))
    assert len(rendered) > 50
    for page in rendered:
        proc = groff(page)
        assert proc.returncode == 0 and proc.stderr == "", f"{page.name}: {proc.stderr}"


def test_man_shows_a_commands_options_and_examples(pages):
    text = man(pages / "deskctl-ticket-create.1")
    assert text.startswith("DESKCTL-TICKET-CREATE(1)")
    assert "deskctl-ticket-create - Register a ticket" in text
    assert "deskctl ticket create [OPTIONS]" in text  # synopsis
    assert "--title TEXT" in text and "Short summary of the problem or request." in text
    assert "--requester-email TEXT" in text  # hyphens come out as hyphens, typed as shown
    assert "EXAMPLES" in text and "deskctl ticket create --title" in text
    assert "deskctl-ticket(1)" in text  # see also: its group


def test_a_group_page_lists_its_commands_with_their_pages(pages):
    text = man(pages / "deskctl-store.1")
    assert "COMMANDS" in text
    for command in ("backup", "restore", "check", "archive", "copy"):
        assert f"deskctl-store-{command}(1)" in text


def test_the_root_page_has_the_global_options(pages):
    text = man(pages / "deskctl.1")
    assert "-q, --quiet" in text and "--desk DIR" in text
    assert "deskctl-ticket(1)" in text


def test_man_for_one_group_writes_its_pages_only(drun, tmp_path):
    folder = tmp_path / "sop-pages"
    assert drun("help", "sop", "--man", str(folder)).code == 0
    names = {p.name for p in folder.glob("*.1")}
    assert "deskctl-sop.1" in names and "deskctl-sop-run.1" in names
    assert all(name.startswith("deskctl-sop") for name in names)


def test_help_of_a_command_is_its_help(drun):
    assert drun("help", "ticket", "create").stdout == drun("ticket", "create", "--help").stdout


def test_help_of_an_unknown_command_is_one_line_and_exit_2(drun):
    result = drun("help", "ticket", "frobnicate")
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "deskctl: error: no command `deskctl ticket frobnicate` (`deskctl ticket --help` lists its commands)"]


def test_roff_escapes_what_roff_would_obey(tmp_path):
    assert roff.escape("a\\b") == "a\\eb"
    assert roff.escape("--dry-run") == "\\-\\-dry\\-run"
    assert roff.line(".TH evil") == "\\&.TH evil"
    assert roff.line("'br") == "\\&'br"
    assert roff.escape("café") == "caf\\[u00E9]"
    assert roff.escape("bell\x07") == "bell"
    # and groff agrees: the text comes out as written, nothing is obeyed
    page = roff.Page("deskctl-test", "1", "2026-12-03", "deskctl 0", "deskctl manual")
    page.heading("description")
    page.paragraph(".TH NOT A TITLE\n'br not a break\nback\\slash \\fBnot bold\\fR and caf\u00e9 --dry-run")
    page.verbatim("  .SH not a heading\n\n  'also kept")
    path = tmp_path / "deskctl-test.1"
    path.write_text(page.text(), encoding="utf-8")
    assert groff(path).stderr == ""
    text = man(path)
    assert ".TH NOT A TITLE 'br not a break back\\slash \\fBnot bold\\fR and café --dry-run" in text
    assert ".SH not a heading" in text and "'also kept" in text
