"""Injection, secrets, prompts and confirmation without a terminal (acceptance 2 and 7)."""

from __future__ import annotations

import json
import time

from tests.runbooks.conftest import ssh_hosts, write_inventory

SECRET = "S3cr3t-Value-42"
ECHO_SOP = """\
name: echo-secret
params:
  user: {type: string, required: true}
  token: {type: string, secret: true, required: true}
targets: all
steps:
  - name: greet
    ssh: echo hello {{ user }}
  - name: leak attempt
    ssh: echo "token is {{ token }}"; echo {{ token }} >&2; ps -eo args > {{ psfile }}
  - name: fail loudly
    ssh: echo "bad token {{ token }}" >&2; exit 1
"""


def test_a_parameter_never_becomes_a_second_command(ssh_desk, sshd, sshrun, tmp_path):
    pwned = tmp_path / "pwned"
    (ssh_desk / "sops" / "greet.yaml").write_text(
        "name: greet\nparams:\n  user: {type: string}\ntargets: [localhost, web1]\n"
        "steps:\n  - name: hi\n    ssh: echo hi {{ user }}\n  - name: local\n    local: echo {{ user }}\n"
    )
    evil = f"x; touch {pwned}"
    for value in (evil, f"$(touch {pwned})", f"`touch {pwned}`", f"x' ; touch {pwned}; '"):
        result = sshrun("sop", "run", "greet", "-p", f"user={value}", "--json")
        assert result.code == 0, result
        assert result.json()["hosts"][1]["steps"][0]["stdout_tail"] == f"hi {value}\n"
    assert not pwned.exists()


def test_a_secret_appears_in_no_output_record_or_ticket(ssh_desk, sshd, sshrun, tmp_path):
    psfile = tmp_path / "ps.txt"
    write_inventory(ssh_desk, {**ssh_hosts(sshd, [("web1", "127.0.0.1")], vars={"psfile": str(psfile)}),
                               "localhost": {"connection": "local", "vars": {"psfile": str(tmp_path / "ps-local.txt")}}})
    (ssh_desk / "sops" / "echo-secret.yaml").write_text(ECHO_SOP)
    ticket = sshrun("ticket", "create", "--title", "VPN token reset", "--json")
    assert ticket.code == 0, ticket
    tid = ticket.json()["id"]
    outputs, results = [], []
    # first with -p (redaction of every output), then through the environment, which also
    # keeps the value off deskctl's own command line (the ps listing is taken on the last run)
    first = sshrun("sop", "run", "echo-secret", "-p", "user=bob", "-p", f"token={SECRET}", "--ticket", tid, "--json")
    assert first.code == 1 and first.json()["params"]["token"] == "***"
    outputs.append(first.stdout + first.stderr)
    for extra in ([], ["--json"], ["--dry-run"], ["--dry-run", "--json"]):
        # the secret in the environment: on deskctl's own command line `ps` would show it
        result = sshrun("sop", "run", "echo-secret", "-p", "user=bob", "--ticket", tid, *extra,
                        env={"DESKCTL_PARAM_token": SECRET})
        outputs.append(result.stdout + result.stderr)
        results.append(result)
        assert result.code == (0 if "--dry-run" in extra else 1), result
    run_json = results[1].json()
    results.insert(0, first)
    leak = run_json["hosts"][0]["steps"][1]
    assert leak["stdout_tail"] == "token is ***\n" and leak["stderr_tail"] == "***\n"
    assert "***" in run_json["hosts"][0]["reason"]
    # the remote command line (what `ps` shows) never held the value
    assert psfile.read_text().count("DESKCTL_SECRET_token") >= 1 and SECRET not in psfile.read_text()
    assert SECRET not in (tmp_path / "ps-local.txt").read_text()
    history = sshrun("ticket", "show", tid, "--json")
    stored = [p.read_text() for p in (ssh_desk / "data").rglob("*") if p.is_file()]
    shown = sshrun("sop", "show-run", run_json["id"], "--json").stdout + sshrun("sop", "history", "--json").stdout
    for text in [*outputs, history.stdout, *stored, shown]:
        assert SECRET not in text
    assert "sop.run" in history.stdout


def test_generated_password_is_shown_once_and_stored_masked(drun, desk):
    (desk / "sops" / "gen.yaml").write_text(
        "name: gen\nparams:\n  pw: {type: password, generate: password}\ntargets: localhost\n"
        "steps:\n  - name: use\n    ssh: test ${#DESKCTL_SECRET_pw} -ge 20 && echo {{ pw }}\n"
    )
    result = drun("sop", "run", "gen", "--json")
    assert result.code == 0, result
    line = next(l for l in result.stderr.splitlines() if l.startswith("generated pw"))
    password = line.split(": ", 1)[1].split()[0]
    assert len(password) >= 20
    assert password not in result.stdout and result.json()["params"]["pw"] == "***"
    assert result.json()["hosts"][0]["steps"][0]["stdout_tail"] == "***\n"
    for path in (desk / "data").rglob("*.json"):
        assert password not in path.read_text()


def test_generated_password_goes_to_a_configured_sink(drun, desk, tmp_path):
    sink = tmp_path / "sink.json"
    import yaml

    config_file = desk / "config" / "deskctl.yaml"
    config = yaml.safe_load(config_file.read_text())
    config.setdefault("runbooks", {})["secret_sink"] = f"cat > {sink}"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
    (desk / "sops" / "gen.yaml").write_text(
        "name: gen\nparams:\n  pw: {type: password, generate: password}\ntargets: localhost\n"
        "steps:\n  - name: use\n    ssh: 'true'\n"
    )
    result = drun("sop", "run", "gen")
    assert result.code == 0, result
    delivered = json.loads(sink.read_text())
    assert delivered["secrets"]["pw"] not in result.stderr + result.stdout
    assert "generated" not in result.stderr


PROMPT_SOP = """\
name: guided
targets: localhost
steps:
  - name: ask
    prompt: Has the user saved their work?
    choices: [yes, no]
    register: saved
  - name: reboot
    when: saved == 'yes'
    ssh: echo rebooting
"""


def test_prompt_without_answer_and_without_terminal_exits_2_at_once(drun, desk):
    (desk / "sops" / "guided.yaml").write_text(PROMPT_SOP)
    started = time.monotonic()
    result = drun("sop", "run", "guided")
    assert time.monotonic() - started < 10
    assert result.code == 2
    assert "--answer saved=yes|no" in result.stderr and "sops/guided.yaml:4:" in result.stderr
    assert not (desk / "data" / "runs").exists()
    answered = drun("sop", "run", "guided", "--answer", "saved=yes", "--json")
    assert answered.code == 0 and answered.json()["hosts"][0]["steps"][1]["stdout_tail"] == "rebooting\n"
    skipped = drun("sop", "run", "guided", "--answer", "saved=no", "--json")
    assert skipped.json()["hosts"][0]["steps"][1]["status"] == "skipped"
    wrong = drun("sop", "run", "guided", "--answer", "saved=maybe")
    assert wrong.code == 2 and "answer one of yes, no" in wrong.stderr


def test_confirm_needs_yes_without_a_terminal(drun, desk):
    (desk / "sops" / "careful.yaml").write_text(
        f"name: careful\nconfirm: true\ntargets: localhost\nsteps:\n  - name: touch\n    ssh: touch {desk}/touched\n"
    )
    result = drun("sop", "run", "careful")
    assert result.code == 2 and "--yes" in result.stderr
    assert not (desk / "touched").exists()
    assert drun("sop", "run", "careful", "--yes").code == 0
    assert (desk / "touched").exists()
