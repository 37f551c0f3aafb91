"""What deskctl does not read in an Ansible inventory is refused in one line naming the file
and line (exit 2), never skipped; so are mistakes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from deskctl.errors import BadInput
from deskctl.executor.ansible_inventory import read_ansible_inventory
from deskctl.executor.ansible_patterns import expand_pattern


def refused(path: Path) -> str:
    with pytest.raises(BadInput) as caught:
        read_ansible_inventory(path)
    return caught.value.message


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_inventory_plugin_yaml_is_named_with_its_line(tmp_path):
    inv = write(tmp_path / "aws_ec2.yml", "# dynamic\nplugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n")
    message = refused(inv)
    assert message.startswith(f"{inv}:2: inventory plugins (plugin: amazon.aws.aws_ec2) are not supported")


def test_executable_inventory_script_is_named(tmp_path):
    script = write(tmp_path / "inv" / "ec2.py", "#!/usr/bin/env python3\nprint('{}')\n")
    script.chmod(0o755)
    write(tmp_path / "inv" / "static.ini", "[web]\nweb1\n")
    assert refused(tmp_path / "inv").startswith(f"{script}:1: executable dynamic inventory scripts are not supported")


def test_vault_value_in_group_vars_is_named_with_its_line(tmp_path):
    inv = write(tmp_path / "hosts", "[web]\nweb1\n")
    vars_file = write(tmp_path / "group_vars" / "web.yml", """\
        ansible_user: ops
        db_password: !vault |
          $ANSIBLE_VAULT;1.1;AES256
          6231
        """)
    assert refused(inv).startswith(f"{vars_file}:2: encrypted !vault values are not supported")


def test_vault_encrypted_file_is_named(tmp_path):
    inv = write(tmp_path / "hosts", "[web]\nweb1\n")
    secret = write(tmp_path / "host_vars" / "web1.yml", "$ANSIBLE_VAULT;1.1;AES256\n6231\n")
    assert refused(inv).startswith(f"{secret}:1: vault-encrypted vars files are not supported")


def test_toml_inventory_is_named(tmp_path):
    inv = write(tmp_path / "hosts.toml", "[web.hosts]\nweb1 = {}\n")
    assert refused(inv).startswith(f"{inv}:1: TOML inventories are not supported")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[web]\nweb1\n[db:vars]\nx=1\n", 3, "[db:vars] is for group 'db', which the file never declares"),
    ("[prod:children]\nweb\nmissing\n[web]\nw1\n", 3, "[prod:children] names group 'missing'"),
    ("[web]\nweb[1:]\n", 2, "host range [1:] has no end"),
    ("[web]\nweb[01:9]\n", 2, "BEGIN and END must have the same width"),
    ("[web]\nweb[1:2:3:4]\n", 2, "must be [BEGIN:END] or [BEGIN:END:STEP]"),
    ("[web]\nweb1 port 22\n", 2, "expected NAME=VALUE after the host name, got 'port'"),
    ("\n[web group]\n", 2, "invalid section '[web group]'"),
    ("[web:foo]\nw1\n", 1, "section [web:foo] has an unknown type 'foo'"),
    ("[a:children]\nb\n[b:children]\na\n", 4, "makes a loop of groups"),
    ("[web:vars]\nnovalue\n[web]\n", 2, "expected NAME=VALUE in [web:vars]"),
    ("[web]\nweb1 x='unclosed\n", 2, "cannot read the host line"),
    ("[web]\nweb1:\n", 2, "ends in ':'"),
])
def test_ini_mistakes_name_the_line(tmp_path, text, line, words):
    inv = write(tmp_path / "hosts", text)
    message = refused(inv)
    assert message.startswith(f"{inv}:{line}: ") and words in message


def test_yaml_mistakes_name_the_line(tmp_path):
    inv = write(tmp_path / "hosts.yml", "all:\n  children:\n    web:\n      host:\n        web1:\n")
    assert refused(inv) == f"{inv}:4: unknown key 'host' in group 'web' (known: children, hosts, vars)"
    broken = write(tmp_path / "broken.yml", "all:\n  hosts:\n    web1: {a: 1\n")
    assert refused(broken).startswith(f"{broken}:")
    assert "invalid YAML" in refused(broken)


def test_ranges_numbers_letters_steps_and_several_in_one_name():
    assert expand_pattern("web[01:03].example.com")[0] == ["web01.example.com", "web02.example.com", "web03.example.com"]
    assert expand_pattern("db-[a:c]")[0] == ["db-a", "db-b", "db-c"]
    assert expand_pattern("n[0:10:5]")[0] == ["n0", "n5", "n10"]
    assert expand_pattern("r[1:2]c[a:b]")[0] == ["r1ca", "r1cb", "r2ca", "r2cb"]
    assert expand_pattern("web[1:2]:2222") == (["web1", "web2"], 2222)
    assert expand_pattern("[::1]:2200") == (["::1"], 2200)
    assert expand_pattern("fe80::1") == (["fe80::1"], None)


def test_a_source_that_is_missing_is_bad_input_naming_the_config_line(desk, run):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory:\n  sources:\n    - config/inventory.yaml\n    - ansible:nowhere/hosts\n")
    line = len(config.read_text().splitlines()) - 2
    result = run("inventory", "list", cwd=desk)
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        f"deskctl: error: config/deskctl.yaml:{line}: inventory source 'ansible:nowhere/hosts' does not exist "
        "(nowhere/hosts) (fix the path in inventory.sources, or remove it)"]


def test_an_unsupported_source_stops_sop_runs_with_exit_2(desk, run):
    (desk / "inv").mkdir()
    (desk / "inv" / "aws.yml").write_text("plugin: aws_ec2\n")
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory: {sources: ['ansible:inv']}\n")
    result = run("sop", "run", "restart-service", "-p", "service=nginx", "--yes", cwd=desk)
    assert result.code == 2
    assert result.stderr.startswith("deskctl: error: inv/aws.yml:1: inventory plugins (plugin: aws_ec2) are not supported")
    assert len(result.stderr.strip().splitlines()) == 1
    check = run("config", "check", cwd=desk)
    assert check.code == 2 and "inv/aws.yml:1: inventory plugins" in check.stdout + check.stderr


def test_inventory_sources_must_be_a_list_of_paths(desk, run):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory:\n  sources: ansible:/etc/ansible/hosts\n")
    line = len(config.read_text().splitlines())
    result = run("inventory", "list", cwd=desk)
    assert result.code == 2 and f"deskctl.yaml:{line}: inventory.sources: must be a list of inventory files or folders" in result.stderr


def test_config_check_lists_each_problem_of_a_deskctl_source(desk, run):
    (desk / "config" / "more.yaml").write_text("hosts:\n  web1: {port: many}\n  web2: {colour: red}\n")
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory: {sources: [config/inventory.yaml, config/more.yaml]}\n")
    result = run("config", "check", cwd=desk)
    assert result.code == 2
    out = result.stdout + result.stderr
    assert "config/more.yaml:2: hosts.web1.port must be a whole number" in out
    assert "config/more.yaml:3: unknown host setting 'colour'" in out


def test_a_file_without_extension_that_is_neither_yaml_nor_ini_gives_the_yaml_error(tmp_path):
    inv = write(tmp_path / "hosts", "all:\n  hosts:\n    web1: {a: 1\n")
    message = refused(inv)
    assert message.startswith(f"{inv}:") and "invalid YAML" in message


def test_templated_or_unsupported_connection_settings_are_refused_naming_the_host_line(desk, run):
    (desk / "inv").mkdir()
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory: {sources: ['ansible:inv/hosts']}\n")
    (desk / "inv" / "hosts").write_text("[web]\nweb1\nweb2 ansible_host='{{ inventory_hostname }}.example.com'\n")
    result = run("inventory", "list", cwd=desk)
    assert result.code == 2
    assert result.stderr.startswith("deskctl: error: inv/hosts:3: host 'web2': ansible_host is a template")
    (desk / "inv" / "hosts").write_text("[win]\nwin1 ansible_connection=winrm\n")
    result = run("inventory", "list", cwd=desk)
    assert result.code == 2
    assert result.stderr.startswith("deskctl: error: inv/hosts:2: host 'win1': ansible_connection 'winrm' is not supported")


def test_all_as_a_child_group_is_a_loop(tmp_path):
    inv = write(tmp_path / "hosts", "[web]\nw1\n[web:children]\nall\n")
    assert refused(inv).startswith(f"{inv}:4: group 'all' as a child of 'web' makes a loop")

