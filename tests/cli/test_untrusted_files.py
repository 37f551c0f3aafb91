"""Desk files and deskctl's own files as an attacker or a careless colleague leaves them:
alias bombs and oversize files. One line, never a hang."""

from __future__ import annotations

from tests.desk.test_yamlio import bomb


def test_an_alias_bomb_in_the_config_fails_every_command_in_one_line(drun, desk):
    config = desk / "config" / "deskctl.yaml"
    before = len(config.read_text().splitlines())
    # 10 ** 7 strings once expanded: slow and huge without a limit, without being a risk here
    config.write_text(config.read_text() + bomb(levels=7, width=10))
    line = before + 6  # the first level that expands to more than a million nodes
    for command in (("config", "check"), ("ticket", "list"), ("sop", "run", "restart-service", "-p", "service=x")):
        result = drun(*command, timeout=30)
        assert result.code == 2, (command, result)
        assert f"config/deskctl.yaml:{line}: too many nodes once aliases are expanded" in result.stderr, result
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr and "check failed" not in result.stderr


def test_an_oversize_config_is_refused(drun, desk):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + ("# " + "x" * 1000 + "\n") * 5000)
    result = drun("ticket", "list", timeout=30)
    assert result.code == 2 and "config/deskctl.yaml:1: file too large" in result.stderr, result



def test_an_alias_bomb_in_an_announcement_file_fails_in_one_line(drun, tmp_path):
    fields = tmp_path / "fields.yaml"
    fields.write_text("title: Maintenance\n" + bomb(levels=7, width=10))
    result = drun("announce", "create", "outage", "--from", str(fields), timeout=30)
    assert result.code == 2 and f"{fields}:7: too many nodes once aliases are expanded" in result.stderr, result
    assert len(result.stderr.splitlines()) == 1, result
