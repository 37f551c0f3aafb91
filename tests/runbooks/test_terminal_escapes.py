"""What a command prints, locally or on a host over SSH, reaches the operator's terminal shown,
never obeyed: in the progress lines, the summary and `sop show-run`; `--json` keeps it."""

from __future__ import annotations

RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}

NOISY = r"""name: noisy
description: commands whose output holds terminal escapes
targets: [localhost, web1]
steps:
  - name: clear
    ssh: 'printf "before \033[2J\033]0;pwned\007 \302\233 \342\200\256 after\n"'
  - name: here
    local: 'printf "local \033[2J\n"'
  - name: erase
    ssh: 'printf "bad \033[1A\033[2K line\n" >&2; exit 3'
"""


def raw_controls(text: str) -> set[str]:
    return {c for c in text if c in RAW and c != "\n"}


def test_command_output_is_shown_not_obeyed_locally_and_over_ssh(ssh_desk, sshrun):
    (ssh_desk / "sops" / "noisy.yaml").write_text(NOISY)
    result = sshrun("sop", "run", "noisy", "--yes")
    assert result.code == 1, result
    assert raw_controls(result.stdout + result.stderr) == set(), result
    for host in ("localhost", "web1"):
        assert f"[{host}] erase: failed" in result.stderr and "bad ^[[1A^[[2K line" in result.stderr
    record = sshrun("sop", "history", "--json").json()[0]
    shown = sshrun("sop", "show-run", record["id"])
    assert shown.code == 0 and raw_controls(shown.stdout + shown.stderr) == set(), shown
    assert shown.stdout.count("before ^[[2J^[]0;pwned^G <U+009B> <U+202E> after") == 2
    assert shown.stdout.count("local ^[[2J") == 2
    as_json = sshrun("sop", "show-run", record["id"], "--json")
    assert raw_controls(as_json.stdout) == set()
    steps = {(h["host"], s["name"]): s for h in as_json.json()["hosts"] for s in h["steps"]}
    assert steps["web1", "clear"]["stdout_tail"] == "before \x1b[2J\x1b]0;pwned\x07 \x9b \u202e after\n"
    assert steps["web1", "erase"]["stderr_tail"] == "bad \x1b[1A\x1b[2K line\n"
