"""`deskctl kb guide`: walking flows with answers, on a terminal, and into tickets and SOPs."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.conftest import deskctl_executable
from tests.kb.conftest import create_ticket
from tests.runbooks.conftest import fake_bin, ssh_hosts, write_inventory


def history(krun, ticket: str) -> list[dict]:
    result = krun("ticket", "show", ticket, "--json")
    assert result.code == 0, result
    return result.json()["history"]


def test_answer_no_shows_the_cable_article(krun):
    result = krun("kb", "guide", "no-network", "--answers", "no")
    assert result.code == 0, result
    assert "Outcome: read article KB-network-cable" in result.stdout
    assert "Check the network cable or Wi-Fi switch" in result.stdout  # the article itself
    data = krun("kb", "guide", "no-network", "--answers", "no", "--json").json()
    assert data["outcome"]["kind"] == "article" and data["outcome"]["article"] == "KB-network-cable"
    assert data["article"]["id"] == "KB-network-cable" and "cable" in data["article"]["body"]
    assert data["path"] == [{"node": "cable", "question": "Is the network cable plugged in, or Wi-Fi switched on?", "answer": "no"}]


def test_yes_yes_escalates_the_ticket_and_records_the_path(krun):
    ticket = create_ticket(krun)
    result = krun("kb", "guide", "no-network", "--answers", "yes,yes", "--ticket", ticket)
    assert result.code == 0, result
    assert "escalate to network" in result.stdout
    shown = krun("ticket", "show", ticket, "--json").json()
    assert shown["status"] == "escalated" and shown["group"] == "network"
    events = shown["history"]
    guide = next(e for e in events if e["action"] == "kb.guide")
    assert guide["data"]["flow"] == "no-network"
    assert [(s["node"], s["answer"]) for s in guide["data"]["path"]] == [("cable", "yes"), ("others", "yes")]
    assert guide["data"]["path"][1]["question"] == "Do colleagues nearby have the same problem?"
    assert guide["data"]["outcome"] == {"kind": "escalate", "node": "outage", "text": "escalate to network (Possible network outage)",
                                        "group": "network", "reason": "Possible network outage"}
    escalation = next(e for e in events if e["action"] == "escalate")
    assert escalation["n"] > guide["n"] and escalation["note"] == "Possible network outage"


def test_yes_no_offers_the_diagnostics_sop_with_rendered_params(krun):
    ticket = create_ticket(krun)
    result = krun("kb", "guide", "no-network", "--answers", "yes,no", "--ticket", ticket, "--json")
    assert result.code == 0, result
    data = result.json()
    assert data["outcome"]["kind"] == "sop" and data["outcome"]["sop"] == "network-diagnostics"
    assert data["outcome"]["params"] == {"target": "pc-042"}
    assert data["actions"]["sop_run"] is None  # offered, not run: no --run, no terminal
    assert "sop run network-diagnostics -p target=pc-042 --ticket " + ticket in data["actions"]["sop_command"]
    assert not any(e["action"].startswith("sop") for e in history(krun, ticket))


def test_sop_offer_without_ticket_says_which_param_is_missing(krun):
    result = krun("kb", "guide", "no-network", "--answers", "yes,no")
    assert result.code == 0, result
    assert "Outcome: run SOP network-diagnostics" in result.stdout
    assert "target: not set (no ticket given (--ticket ID)); give it with -p target=VALUE" in result.stdout
    filled = krun("kb", "guide", "no-network", "--answers", "yes,no", "-p", "target=pc-7", "--json").json()
    assert filled["outcome"]["params"] == {"target": "pc-7"} and "missing_params" not in filled["outcome"]


def test_run_yes_runs_the_sop_through_sop_run(krun):
    ticket = create_ticket(krun)
    result = krun("kb", "guide", "no-network", "--answers", "yes,no", "--ticket", ticket, "--run", "--yes", "--json")
    assert result.code == 0, result
    run = result.json()["actions"]["sop_run"]
    assert run["exit_code"] == 0, run
    assert run["command"][run["command"].index("run") + 1] == "network-diagnostics"
    assert "network-diagnostics on pc-042" in result.stdout + result.stderr
    assert any("network-diagnostics" in (e.get("note") or "") and e["action"] != "kb.guide" for e in history(krun, ticket))


def test_no_terminal_and_no_answers_exits_2_at_once_naming_the_first_question(run, kbdesk):
    start = time.monotonic()
    proc = subprocess.run([deskctl_executable(), "kb", "guide", "no-network"], cwd=kbdesk, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DESKCTL_CACHE_DIR": str(kbdesk / ".cache")})
    assert proc.returncode == 2, proc
    assert time.monotonic() - start < 30
    assert "question 'cable'" in proc.stderr and "Is the network cable plugged in" in proc.stderr
    assert "--answer cable=yes|no" in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""


def test_partial_answers_name_the_next_question_and_record_nothing(krun):
    ticket = create_ticket(krun)
    result = krun("kb", "guide", "no-network", "--answers", "yes", "--ticket", ticket)
    assert result.code == 2 and "question 'others'" in result.stderr
    assert [e["action"] for e in history(krun, ticket)] == ["created"]


def test_keyed_answers_and_spelling_variants(krun):
    data = krun("kb", "guide", "no-network", "--answer", "cable=Y", "--answer", "others=NO", "--json").json()
    assert [s["answer"] for s in data["path"]] == ["yes", "no"]
    italian = krun("kb", "guide", "stampante-non-stampa", "--answers", "sì,sì,carta", "--json")
    assert italian.code == 0, italian
    assert italian.json()["outcome"]["article"] == "KB-carta-inceppata"
    numbered = krun("kb", "guide", "printer-not-printing", "--answers", "yes,yes,2", "--json").json()
    assert numbered["path"][-1]["answer"] == "toner-or-ink"


def test_wrong_answers_exit_2_before_anything_happens(krun):
    ticket = create_ticket(krun)
    cases = [
        ("--answers", "maybe"),
        ("--answers", "no,yes"),  # one too many
        ("--answer", "nosuch=yes"),
        ("--answers", "yes,,no"),
    ]
    for args in cases:
        result = krun("kb", "guide", "no-network", *args, "--ticket", ticket)
        assert result.code == 2, (args, result)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result
    assert [e["action"] for e in history(krun, ticket)] == ["created"]
    assert krun("kb", "guide", "no-such-flow", "--answers", "no").code == 2
    assert krun("kb", "guide", "no-network", "--answers", "no", "--ticket", "INC-999").code == 2


def test_resolve_outcome_resolves_the_ticket_with_yes(krun):
    ticket = create_ticket(krun)
    result = krun("kb", "guide", "printer-not-printing", "--answers", "no,yes", "--ticket", ticket)
    assert result.code == 0, result
    assert "not resolved" in result.stderr
    assert krun("ticket", "show", ticket, "--json").json()["status"] != "resolved"
    result = krun("kb", "guide", "printer-not-printing", "--answers", "no,yes", "--ticket", ticket, "--yes", "--json")
    assert result.code == 0, result
    assert result.json()["actions"]["resolved"] is True
    shown = krun("ticket", "show", ticket, "--json").json()
    assert shown["status"] == "resolved" and shown["kb_articles"] == ["flow:printer-not-printing"]


def test_a_flow_that_cannot_be_walked_is_refused(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "loop.yaml").write_text(
        "id: loop\ntitle: Loop\nstart: a\nnodes:\n  a: {ask: A?, answers: {yes: b, no: b}}\n  b: {ask: B?, answers: {yes: a, no: a}}\n",
        encoding="utf-8")
    result = krun("kb", "guide", "loop", "--answers", "yes")
    assert result.code == 2 and "cycle" in result.stderr and "kb/flows/loop.yaml:6" in result.stderr


def test_a_broken_outcome_stops_only_the_walks_that_reach_it(krun, kbdesk):
    (kbdesk / "sops" / "network-diagnostics.yaml").unlink()
    assert krun("kb", "guide", "no-network", "--answers", "no").code == 0
    result = krun("kb", "guide", "no-network", "--answers", "yes,no")
    assert result.code == 2 and "SOP 'network-diagnostics'" in result.stderr


def _interactive(kbdesk, args: list[str], keys: str) -> tuple[int, str, str]:
    """Run deskctl with a real terminal as stdin and type `keys`."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([deskctl_executable(), *args], cwd=kbdesk, stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "DESKCTL_CACHE_DIR": str(kbdesk / ".cache"), "DESKCTL_ACTOR": "tester"})
        os.close(slave)
        slave = -1
        os.write(master, keys.encode())
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        return proc.returncode, out, err
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_terminal_walk_with_back(kbdesk):
    # yes -> others; back -> cable again; no -> the article
    code, out, err = _interactive(kbdesk, ["kb", "guide", "no-network"], "yes\nb\nno\n")
    assert code == 0, err
    assert err.count("Is the network cable plugged in") == 2 and "Do colleagues nearby" in err
    assert "Outcome: read article KB-network-cable" in out
    assert "-> no" in out and "-> yes" not in out


def test_terminal_walk_reasks_after_a_wrong_answer_and_quits(kbdesk):
    code, out, err = _interactive(kbdesk, ["kb", "guide", "printer-not-printing"], "perhaps\nyes\nq\n")
    assert code == 1
    assert "'perhaps' is not an answer" in err
    assert "stopped at question 'display'" in err
    assert "Outcome" not in out


FREE_TEXT_FLOW = """\
id: ping-host
title: A host does not answer
start: which
nodes:
  which:
    ask: Which host does not answer?
    next: diagnose
  diagnose:
    sop: network-diagnostics
    params: {target: "{{ answers['which'] }}", count: 2}
    note: Attach the result to the ticket.
"""


def test_free_text_answer_feeds_the_sop_parameters(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "ping-host.yaml").write_text(FREE_TEXT_FLOW, encoding="utf-8")
    assert krun("kb", "lint").code == 0
    data = krun("kb", "guide", "ping-host", "--answer", "which=srv-12", "--json").json()
    assert data["path"] == [{"node": "which", "question": "Which host does not answer?", "answer": "srv-12"}]
    assert data["outcome"]["params"] == {"target": "srv-12", "count": "2"}
    assert data["outcome"]["note"] == "Attach the result to the ticket."
    human = krun("kb", "guide", "ping-host", "--answers", "srv-13")
    assert "target = srv-13" in human.stdout and "Note: Attach the result" in human.stdout


def test_unknown_template_name_is_a_lint_error(krun, kbdesk):
    (kbdesk / "kb" / "flows" / "ping-host.yaml").write_text(FREE_TEXT_FLOW.replace("answers['which']", "host"), encoding="utf-8")
    result = krun("kb", "lint")
    assert result.code == 2
    assert "kb/flows/ping-host.yaml:10: parameter 'target' of node 'diagnose' uses host" in result.stderr


def test_escalating_a_resolved_ticket_is_refused_before_anything_is_recorded(krun):
    ticket = create_ticket(krun)
    assert krun("ticket", "resolve", ticket, "--resolution", "fixed", "--category", "network").code == 0
    before = len(history(krun, ticket))
    result = krun("kb", "guide", "no-network", "--answers", "yes,yes", "--ticket", ticket)
    assert result.code == 2 and "cannot escalate" in result.stderr
    assert len(history(krun, ticket)) == before


# --- requester data never chooses the account a SOP acts on --------------------------------

# Doubles for the tools that change accounts: they only record what they were asked, so even
# code without the guards (the tests must fail there) cannot touch a real account.
ACCOUNT_TOOLS = {
    "chpasswd": 'cut -d: -f1 >> "$(dirname "$0")/changed"',
    "chage": 'echo "chage $*" >> "$(dirname "$0")/changed"; echo "Last password change : password must be changed"',
    "usermod": 'echo "usermod $*" >> "$(dirname "$0")/changed"',
    "faillock": 'echo "faillock $*" >> "$(dirname "$0")/changed"',
}
LOGIN_ANSWERS = ["--answers", "yes,yes,forgotten-password"]


@pytest.fixture
def identity(kbdesk, sshd, tmp_path):
    """The desk's identity group is one host on the loopback sshd, with account-tool doubles."""
    tools = fake_bin(tmp_path / "tools", ACCOUNT_TOOLS)
    write_inventory(kbdesk, {"localhost": {"connection": "local"},
                             **ssh_hosts(sshd, [("id1", "127.0.0.3")], groups=["identity"], path_prepend=[str(tools)])})
    (kbdesk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    return tools


def test_a_root_requester_never_chooses_root_without_a_terminal(krun, identity, tmp_path):
    env = {"DESKCTL_USER_KNOWN_HOSTS": str(tmp_path / "user_known_hosts")}
    ticket = create_ticket(krun, "--requester-email", "root@example.com")
    offered = krun("kb", "guide", "cannot-log-in", *LOGIN_ANSWERS, "--ticket", ticket, "--json", env=env)
    assert offered.code == 0, offered
    outcome = offered.json()["outcome"]
    assert outcome["sop"] == "reset-password" and "user" not in outcome["params"]
    assert "protected account 'root'" in outcome["missing_params"]["user"]
    assert "-p user=VALUE" in offered.json()["actions"]["sop_command"] and "root" not in offered.json()["actions"]["sop_command"]
    before = history(krun, ticket)
    for extra in (["--run", "--yes"], ["--run", "--yes", "--json"]):
        result = krun("kb", "guide", "cannot-log-in", *LOGIN_ANSWERS, "--ticket", ticket, *extra, env=env)
        assert result.code == 2, result
        assert "-p user=VALUE" in result.stderr and "Traceback" not in result.stderr
    assert history(krun, ticket) == before  # refused before anything was recorded
    # a person's e-mail is not taken silently either: it must be given
    person = create_ticket(krun, "--requester-email", "jdoe@example.com")
    result = krun("kb", "guide", "cannot-log-in", *LOGIN_ANSWERS, "--ticket", person, "--run", "--yes", env=env)
    assert result.code == 2 and "user='jdoe@example.com' taken from the ticket" in result.stderr, result
    given = krun("kb", "guide", "cannot-log-in", *LOGIN_ANSWERS, "--ticket", ticket, "--run", "--yes", "-p", "user=root",
                 env=env)
    assert given.code != 0 and "protected account 'root'" in given.stderr, given
    assert not (identity / "changed").exists()


def test_at_the_prompt_the_operator_confirms_the_account(kbdesk, krun, identity):
    ticket = create_ticket(krun, "--requester-email", "root@example.com")
    # run it now? yes; user: (no default offered) jdoe; sop run's own confirmation: no
    code, out, err = _interactive(kbdesk, ["kb", "guide", "cannot-log-in", *LOGIN_ANSWERS, "--ticket", ticket],
                                  "y\njdoe\nn\n")
    assert "the ticket suggests user='root@example.com': refused" in err, err
    assert "running: deskctl sop run reset-password -p user=jdoe --ticket" in err, err
    assert code == 1 and "not confirmed; nothing was run" in err
    person = create_ticket(krun, "--requester-email", "jdoe@example.com")
    # a person's address is offered as the default: Enter confirms it
    code, out, err = _interactive(kbdesk, ["kb", "guide", "cannot-log-in", *LOGIN_ANSWERS, "--ticket", person],
                                  "y\n\nn\n")
    assert "user (from the ticket; Enter confirms it) [jdoe@example.com]" in err, err
    assert "running: deskctl sop run reset-password -p user=jdoe@example.com" in err, err
    assert not (identity / "changed").exists()


# --- Russian and Romanian flows --------------------------------------------------------------

def test_russian_flow_walks_to_the_russian_article(krun):
    result = krun("kb", "guide", "printer-ne-pechataet", "--answers", "да,да,замятие", "--json")
    assert result.code == 0, result
    data = result.json()
    assert data["flow"]["language"] == "ru"
    assert [s["answer"] for s in data["path"]] == ["yes", "yes", "замятие-бумаги"]
    assert data["outcome"]["article"] == "KB-zamyatie-bumagi" and data["article"]["language"] == "ru"
    human = krun("kb", "guide", "printer-ne-pechataet", "--answers", "да,нет,да,да")
    assert human.code == 0, human
    assert "Outcome: read article KB-printer-otklyuchen" in human.stdout
    assert "Принтер в состоянии «Отключен» и не печатает" in human.stdout  # the article itself
    cable = krun("kb", "guide", "net-seti", "--answers", "нет", "--json").json()
    assert cable["outcome"]["article"] == "KB-setevoi-kabel"
    login = krun("kb", "guide", "ne-udaetsya-voiti", "--answers", "да,да,проблема,да", "--json").json()
    assert login["outcome"]["article"] == "KB-mfa-novyi-telefon"


def test_romanian_flow_walks_to_the_romanian_article_with_or_without_diacritics(krun):
    for answers in ("da,da,blocaj-hârtie", "da,da,blocaj-hartie", "da,da,1"):
        data = krun("kb", "guide", "imprimanta-nu-printeaza", "--answers", answers, "--json").json()
        assert data["outcome"]["article"] == "KB-blocaj-hartie", answers
    assert krun("kb", "guide", "fara-retea", "--answers", "nu", "--json").json()["outcome"]["article"] == "KB-cablu-retea"
    login = krun("kb", "guide", "nu-se-poate-autentifica", "--answers", "da,da,problema,da", "--json").json()
    assert login["outcome"]["article"] == "KB-mfa-telefon-nou"


# --- `?` at the prompt ------------------------------------------------------------------------

def test_question_mark_at_the_prompt_explains_the_question_and_asks_again(kbdesk):
    # ? at the first question; yes; help at the second; back; no -> the cable article
    code, out, err = _interactive(kbdesk, ["kb", "guide", "no-network"], "?\nyes\nhelp\nb\nno\n")
    assert code == 0, err
    assert "is not an answer" not in err
    first, _, rest = err.partition("[2] Do colleagues nearby")
    assert "Question 'cable' of flow 'no-network' (The user has no network connection):" in first
    assert "1) yes (y) -> next question: Do colleagues nearby have the same problem?" in first
    assert "2) no (n) -> read article KB-network-cable (Check the network cable or Wi-Fi switch)" in first
    assert "q = quit" in first and "b = back" not in first  # nothing to go back to yet
    assert first.count("[1] Is the network cable plugged in") == 2  # asked again after the help
    assert "1) yes (y) -> escalate to network (Possible network outage)" in rest
    assert "2) no (n) -> offer to run SOP network-diagnostics" in rest
    assert "b = back to the previous question (Is the network cable plugged in, or Wi-Fi switched on?)" in rest
    assert "Outcome: read article KB-network-cable" in out
    assert "-> no" in out and "-> yes" not in out


def test_question_mark_in_a_russian_flow_lists_the_choices_and_their_articles(kbdesk):
    code, out, err = _interactive(kbdesk, ["kb", "guide", "printer-ne-pechataet"], "да\nда\n?\n1\n")
    assert code == 0, err
    assert "Question 'tip-oshibki'" in err and "Что написано на дисплее принтера?" in err
    assert "1) замятие-бумаги -> read article KB-zamyatie-bumagi (Принтер сообщает о замятии бумаги)" in err
    assert "2) тонер-или-чернила -> escalate to desktop (Нужно заменить картридж" in err
    assert "b = back to the previous question" in err
    assert "Outcome: read article KB-zamyatie-bumagi" in out
