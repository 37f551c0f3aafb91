"""Small pieces on their own: quoting, redaction, the sudo/secret plumbing, inventory."""

from __future__ import annotations

import os
import subprocess

import pytest

from deskctl.errors import BadInput
from deskctl.executor import shell
from deskctl.executor.inventory import Inventory, _make_host, check
from deskctl.executor.local import LocalConnection
from deskctl.runbooks import templating
from deskctl.util import redact
from tests.runbooks.conftest import fake_bin


def test_values_in_commands_are_shell_quoted_unless_explicitly_unquoted():
    ctx = {"user": "x; rm -rf /", "n": 3, "path": "a b"}
    assert templating.render("id {{ user }}", ctx, "shell") == ("id 'x; rm -rf /'", {})
    assert templating.render("ls {{ path }} -n{{ n }}", ctx, "shell")[0] == "ls 'a b' -n3"
    assert templating.render("echo {{ path | unquoted }}", ctx, "shell")[0] == "echo a b"
    assert templating.render("echo ${#x}", ctx, "shell")[0] == "echo ${#x}"  # shell, not a comment


def test_a_secret_renders_as_a_variable_reference_and_is_collected():
    ctx = {"pw": templating.SecretRef("pw", "hunter2")}
    command, secrets = templating.render("printf %s {{ pw }} | chpasswd", ctx, "shell")
    assert command == 'printf %s "$DESKCTL_SECRET_pw" | chpasswd' and secrets == {"pw": "hunter2"}
    assert templating.render("the {{ pw }}", ctx, "text") == "the hunter2"  # text: redacted on output


def test_values_made_from_a_secret_are_secrets_with_their_real_value():
    redact.forget_all()
    try:
        redact.add_secret("S3cret-Tok")
        ctx = {"token": templating.SecretRef("token", "S3cret-Tok"), "user": "bob"}
        cases = {
            "{{ 'pre-' ~ token }}": "pre-S3cret-Tok", "{{ token + '!' }}": "S3cret-Tok!",
            "{{ '%s@x' % token }}": "S3cret-Tok@x", "{{ '%s:%s' | format(user, token) }}": "bob:S3cret-Tok",
            "{{ token | upper }}": "S3CRET-TOK", "{{ token.lower() }}": "s3cret-tok", "{{ token[3:] }}": "ret-Tok",
            "{% set t = token ~ '1' %}{{ t | replace('1', '2') }}": "S3cret-Tok2",
        }
        for template, value in cases.items():
            command, secrets = templating.render(f"use {{{{ user }}}} {template}", ctx, "shell")
            assert command == 'use bob "$DESKCTL_SECRET_1"' and secrets == {"1": value}, template
        assert templating.render_tracked("x{{ 'a' ~ token }}", ctx) == ("xaS3cret-Tok", True)
        assert templating.render_tracked("x{{ user }}", ctx) == ("xbob", False)
        assert redact.redact("S3CRET-TOK") == "***"  # a derived value is masked like its secret
        with pytest.raises(ValueError, match="single line"):
            templating.render("echo {{ token ~ '\\n' }}", ctx, "shell")
    finally:
        redact.forget_all()


def test_a_secret_is_masked_with_its_word_in_linear_time():
    redact.forget_all()
    try:
        redact.add_secret("Bob-2026")
        assert redact.redact("Bob-2026by: xBob-2026, (Bob-2026)") == "***: ***, (***)"
        assert redact.redact_bytes("é Bob-2026é\n".encode()) == "é ***\n".encode()
        word = "a" * 500_000 + "Bob-2026" + "b" * 500_000  # one huge word, as base64 output is
        assert redact.redact(word * 3) == "***" and redact.redact_bytes(word.encode()) == b"***"
    finally:
        redact.forget_all()


def test_redaction_masks_longest_first_and_in_nested_data():
    redact.forget_all()
    try:
        redact.add_secret("abc")
        redact.add_secret("abcdef")
        assert redact.redact("x abcdef y abc") == "x *** y ***"
        # values are masked, keys never: they are the data's structure
        assert redact.redact_data({"k abc": ["abcdef", 1]}) == {"k abc": ["***", 1]}
        assert redact.redact_bytes(b"-abc-") == b"-***-"
    finally:
        redact.forget_all()


def test_sudo_password_and_secrets_travel_on_stdin(tmp_path):
    # no unprivileged sudo account in the test container: a `sudo` double checks exactly what
    # the real one would read with -S (the password line), then runs the command
    fb = fake_bin(tmp_path / "bin", {"sudo": (
        'IFS= read -r pw; [ "$pw" = letmein ] || { echo "bad password" >&2; exit 1; }\n'
        'while [ "$1" != "--" ]; do shift; done; shift; exec "$@"'
    )})
    line, feed = shell.build('echo "got $DESKCTL_SECRET_t"', secrets={"t": "tok en"}, sudo=True,
                             sudo_password="letmein", is_root=False, path_prepend=[str(fb)])
    assert "letmein" not in line and "tok en" not in line and line.startswith("sudo -S")
    result = LocalConnection().run(f'PATH={fb}:"$PATH"; ' + line, stdin=feed, timeout=10)
    assert result.rc == 0, result.stderr
    assert result.stdout == b"got tok en\n"


def test_local_timeout_kills_the_command():
    result = LocalConnection().run("sleep 5; echo late", timeout=0.3)
    assert result.rc is None and "timed out" in result.error and b"late" not in result.stdout


def test_inventory_problems_name_file_and_line(tmp_path):
    data = {"hosts": {"web1": {"port": "22", "connection": "telnet"}}, "grups": {}}
    lines = {("hosts", "web1", "port"): 3, ("hosts", "web1", "connection"): 4, ("grups",): 5}
    problems = check(data, "config/inventory.yaml", lines)
    assert "config/inventory.yaml:3: hosts.web1.port must be a whole number" in problems
    assert any(p.startswith("config/inventory.yaml:4:") and "telnet" in p for p in problems)
    assert any(p.startswith("config/inventory.yaml:5:") and "grups" in p for p in problems)


def test_group_vars_merge_under_host_vars_and_patterns_resolve():
    groups = {"web": {"vars": {"service": "nginx", "port": 80}}}
    hosts = {n: _make_host(n, spec, {"user": "ops"}, groups) for n, spec in {
        "web1": {"groups": ["web"], "vars": {"port": 8080}}, "web2": {"groups": ["web"]}, "db1": {}}.items()}
    inv = Inventory(hosts=hosts, groups=groups, defaults={})
    assert hosts["web1"].vars == {"service": "nginx", "port": 8080} and hosts["web1"].user == "ops"
    assert [h.name for h in inv.resolve("web")] == ["web1", "web2"]
    assert [h.name for h in inv.resolve("db*,web2")] == ["db1", "web2"]
    with pytest.raises(BadInput, match="nohost"):
        inv.resolve("nohost")


def test_inventory_commands(drun, desk):
    listed = drun("inventory", "list", "--json")
    assert listed.code == 0 and listed.json()[0]["name"] == "localhost"
    assert listed.json()[0]["connection"] == "local"
    shown = drun("inventory", "show", "localhost", "--json")
    assert shown.json()["groups"] == ["identity"]
    assert drun("inventory", "show", "nohost").code == 2
    (desk / "config" / "inventory.yaml").write_text("hosts:\n  a: {port: x}\n")
    bad = drun("inventory", "list")
    assert bad.code == 2 and "config/inventory.yaml:2:" in bad.stderr


def test_no_paramiko_for_local_only_runs(drun, desk, base_env):
    (desk / "sops" / "l.yaml").write_text("name: l\ntargets: localhost\nsteps:\n  - name: s\n    ssh: echo hi\n")
    from tests.conftest import deskctl_executable

    proc = subprocess.run([os.sys.executable, "-X", "importtime", deskctl_executable(), "sop", "run", "l"],
                          cwd=desk, env=base_env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert "paramiko" not in proc.stderr and "| jinja2" not in proc.stderr
