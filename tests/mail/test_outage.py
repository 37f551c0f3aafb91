"""An outage's master incident resolved with --resolve-linked: its callers' tickets are
resolved with it and each requester is told once, by mail."""

from __future__ import annotations

from tests.mail.test_notices import mail_desk, sent_to, sink  # noqa: F401 - fixtures


def test_resolving_the_master_resolves_the_callers_and_tells_each_once(drun, mail_desk, sink):  # noqa: F811
    def create(title: str, email: str) -> str:
        made = drun("ticket", "create", "--title", title, "--requester-email", email, "--service", "vpn")
        assert made.code == 0, made
        return made.stdout.strip()

    master = create("VPN down for everyone", "noc@example.com")
    callers = [create("VPN gone", "ana@example.com"), create("VPN again", "ana@example.com"),
               create("no VPN", "bob@example.com")]
    for caller in callers:
        assert drun("ticket", "link", caller, "--to", master, "--as", "duplicate").code == 0
    before = {who: len(sent_to(sink, who)) for who in ("ana@example.com", "bob@example.com", "noc@example.com")}
    done = drun("ticket", "resolve", master, "--resolution", "The VPN concentrator was restarted.",
                "--category", "network", "--resolve-linked", "--json")
    assert done.code == 0, done
    assert sorted(done.json()["resolved_linked"]) == sorted(callers)
    for caller in callers:
        ticket = drun("ticket", "show", caller, "--json").json()
        assert ticket["status"] == "resolved" and ticket["resolution"] == "The VPN concentrator was restarted."
        [resolved] = [e for e in ticket["history"] if e["action"] == "resolve"]
        assert f"resolved with {master}" in resolved["note"]
    told = {who: len(sent_to(sink, who)) - n for who, n in before.items()}
    assert told == {"ana@example.com": 1, "bob@example.com": 1, "noc@example.com": 1}
    # without the flag and without a terminal nothing else is resolved
    other_master = create("Mail down", "noc@example.com")
    caller = create("no mail", "carl@example.com")
    assert drun("ticket", "link", caller, "--to", other_master, "--as", "duplicate").code == 0
    assert drun("ticket", "resolve", other_master, "--resolution", "fixed", "--category", "network").code == 0
    assert drun("ticket", "show", caller, "--json").json()["status"] != "resolved"
