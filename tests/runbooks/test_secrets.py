"""Secrets that stay secret (issue 18, classes 2 and 3, acceptance 4): lock files and busy
messages, secrecy that follows the value through `include` and templates, masking that never
corrupts structured output or hints at the secret, and no secret left in any file."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("value", ["1", "s", ":", '"', "o", "hunter2", "password", "12345678", "ABCDEFGHIJ"])
def test_a_secret_too_short_or_too_plain_to_mask_is_refused(drun, desk, value):
    (desk / "sops" / "short.yaml").write_text(
        "name: short\nparams:\n  token: {type: string, secret: true}\ntargets: localhost\n"
        "steps:\n  - name: use\n    ssh: test -n {{ token }}\n"
    )
    result = drun("sop", "run", "short", "--json", env={"DESKCTL_PARAM_token": value})
    assert result.code == 2, result
    problem = result.stderr.splitlines()[0]
    assert problem.startswith("sops/short.yaml:3: parameter 'token': ")
    assert "at least 8 characters" in problem and "mix at least two of" in problem
    assert result.stdout == "" and not (desk / "data" / "runs").exists()  # nothing ran
    ok = drun("sop", "run", "short", "--json", env={"DESKCTL_PARAM_token": "Tr0ub4dor&3"})
    assert ok.code == 0, ok


@pytest.mark.parametrize("value", ['_tail": "', "failed_step", "started_at"])
def test_json_and_run_records_stay_whole_when_a_secret_is_common_text(drun, desk, value):
    (desk / "sops" / "plain.yaml").write_text(
        "name: plain\nparams:\n  token: {type: string, secret: true}\ntargets: localhost\n"
        "steps:\n  - name: greet\n    ssh: echo hi\n"
    )
    env = {"DESKCTL_PARAM_token": value}
    result = drun("sop", "run", "plain", "--json", env=env)
    assert result.code == 0, result
    record = result.json()  # valid JSON, keys intact
    step = record["hosts"][0]["steps"][0]
    assert step["stdout_tail"] == "hi\n" and record["hosts"][0]["failed_step"] is None and record["started_at"]
    assert record["params"]["token"] == "***"
    stored = json.loads((desk / "data" / "runs" / f"{record['id']}.json").read_text())
    assert stored["started_at"] == record["started_at"] and "failed_step" in stored["hosts"][0]
    history = drun("sop", "history", "--json", env=env)
    assert history.code == 0 and history.json()[0]["started_at"] == record["started_at"]
    shown = drun("sop", "show-run", record["id"], "--json", env=env)
    assert shown.code == 0 and shown.json()["hosts"][0]["steps"][0]["stdout_tail"] == "hi\n"
    human = drun("sop", "run", "plain", env=env)  # the summary table reads the returned record
    assert human.code == 0, human
    assert "internal error" not in human.stderr


def test_a_mask_never_shows_the_rest_of_the_word_it_hides(drun, desk):
    # `bobby` printed as `***by` tells whoever knows the word that the secret is `bob`
    (desk / "sops" / "word.yaml").write_text(
        "name: word\nparams:\n  token: {type: string, secret: true}\n  user: {type: string}\ntargets: localhost\n"
        "steps:\n  - name: greet\n    ssh: echo hello {{ user }}, x{{ token }}y\n"
    )
    result = drun("sop", "run", "word", "-p", "user=Bob-2026by", "--json", env={"DESKCTL_PARAM_token": "Bob-2026"})
    assert result.code == 0, result
    record = result.json()
    assert record["hosts"][0]["steps"][0]["stdout_tail"] == "hello ***, ***\n"
    assert record["params"]["user"] == "***"  # a value holding the secret is one
