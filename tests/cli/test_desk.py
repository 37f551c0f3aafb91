"""Desk folders: discovery, init, config show and config check."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO


def test_no_desk_says_how_to_create_one(run, tmp_path):
    result = run("config", "show", cwd=tmp_path)
    assert result.code == 2
    assert "deskctl init" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_init_creates_a_desk_that_passes_its_check(run, tmp_path):
    target = tmp_path / "d"
    assert run("init", str(target)).code == 0
    for folder in ("config", "sops", "templates/announcements", "kb", "plugins"):
        assert (target / folder).is_dir(), folder
    result = run("config", "check", cwd=target)
    assert result.code == 0, result


def test_init_refuses_to_overwrite_without_force(run, desk):
    config = desk / "config" / "deskctl.yaml"
    config.write_text("timezone: UTC\n")
    result = run("init", str(desk))
    assert result.code == 2 and "--force" in result.stderr
    assert config.read_text() == "timezone: UTC\n"  # nothing overwritten
    assert run("init", str(desk), "--force").code == 0
    assert config.read_text() != "timezone: UTC\n"


def test_desk_is_found_from_a_subdirectory(run, desk):
    sub = desk / "sops"
    result = run("config", "show", "--json", cwd=sub)
    assert result.code == 0, result
    assert Path(result.json()["desk"]) == desk


def test_desk_option_wins_over_environment(run, desk, tmp_path):
    other = tmp_path / "other"
    assert run("init", str(other)).code == 0
    result = run("--desk", str(desk), "config", "show", "--json", env={"DESKCTL_DESK": str(other)})
    assert Path(result.json()["desk"]) == desk
    result = run("config", "show", "--json", env={"DESKCTL_DESK": str(other)}, cwd=desk)
    assert Path(result.json()["desk"]) == other


def test_config_show_names_the_source_of_each_value(drun, desk):
    (desk / "config" / "deskctl.yaml").write_text("# my desk\ntimezone: Europe/Bucharest\n")
    settings = {s["key"]: s for s in drun("config", "show", "--json").json()["settings"]}
    assert settings["timezone"] == {"key": "timezone", "value": "Europe/Bucharest", "source": "config/deskctl.yaml:2"}
    assert settings["default_language"]["source"] == "default"


def test_broken_yaml_is_reported_with_file_and_line(drun, desk):
    (desk / "config" / "deskctl.yaml").write_text("timezone: UTC\nlanguages: [en, it\ndesk: {}\n")
    result = drun("config", "check")
    assert result.code == 2
    assert "config/deskctl.yaml:3:" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_reports_all_problems_at_once(drun, desk):
    (desk / "config" / "deskctl.yaml").write_text(
        "timezone: Mars/Olympus\nlanguages: en\ntiketts: {}\n"
    )
    (desk / "sops" / "broken.yaml").write_text("name: x\nsteps: [\n")
    result = drun("config", "check", "--json")
    assert result.code == 2
    problems = result.json()["problems"]
    assert any(p.startswith("config/deskctl.yaml:1:") and "time zone" in p for p in problems)
    assert any(p.startswith("config/deskctl.yaml:2:") and "must be a list" in p for p in problems)
    assert any(p.startswith("config/deskctl.yaml:3:") and "tiketts" in p for p in problems)
    assert any(p.startswith("sops/broken.yaml:") for p in problems)


def test_broken_config_gives_one_line_error_in_other_commands(drun, desk):
    (desk / "config" / "deskctl.yaml").write_text("a: [\n")
    result = drun("config", "show")
    assert result.code == 2
    assert result.stderr.startswith("deskctl: error: config/deskctl.yaml:")
    assert result.stderr.count("\n") == 1


def test_repository_root_is_a_working_desk(run):
    result = run("config", "check", cwd=REPO)
    assert result.code == 0, result


def test_config_show_in_a_pipe_pads_no_line_to_the_longest_value(drun, desk):
    (desk / "config" / "deskctl.yaml").write_text(
        "tickets:\n  categories: [" + ", ".join(f"category-{i}" for i in range(150)) + "]\n")
    result = drun("config", "show", env={"COLUMNS": ""})  # a pipe: no width to fit
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["KEY", "SOURCE", "VALUE"]
    long_lines = [line for line in lines if len(line) > 200]
    assert len(long_lines) == 1 and long_lines[0].startswith("tickets.categories ")
    assert all(line == line.rstrip() for line in lines)
