"""`requires:` of a SOP: the commands every target host must have, checked on each host before
its first step, so that a missing tool is named as such (with the package that brings it)
instead of surfacing as a failed step that blames the target."""

from __future__ import annotations

import re

from deskctl.runbooks import stepexec
from deskctl.runbooks.model import Step

TOOL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
# the Debian package of the tools the shipped SOPs use (the hint of the message)
PACKAGES = {
    "ping": "iputils-ping", "traceroute": "traceroute", "dig": "dnsutils", "nslookup": "dnsutils",
    "getent": "libc-bin", "ip": "iproute2", "ss": "iproute2", "curl": "curl", "lpstat": "cups-client",
    "cancel": "cups-client", "cupsenable": "cups-client", "faillock": "libpam-modules",
    "journalctl": "systemd", "systemctl": "systemd", "tar": "tar", "find": "findutils",
    "chpasswd": "passwd", "chage": "passwd", "usermod": "passwd", "sudo": "sudo",
}
MISSING_MARK = "deskctl-missing:"


def probe_step(tools: list[str]) -> Step:
    """A step that prints the tools this host lacks and fails when there are any."""
    names = " ".join(tools)  # TOOL_NAME allows nothing the shell would interpret
    # sbin too: an account's PATH often lacks it, while the step runs the tool with sudo
    script = (f'PATH="$PATH:/usr/sbin:/sbin"; missing=""; for tool in {names}; do command -v "$tool" >/dev/null 2>&1 '
              f'|| missing="$missing $tool"; done; '
              f'if [ -n "$missing" ]; then echo "{MISSING_MARK}$missing"; exit 127; fi')
    return Step(name="installed tools", type="ssh", action=script, raw={"ssh": script}, timeout=30.0)


def check(hc, runbook, sink: list) -> Step | None:
    """Run the probe on this host; the probe step when a tool is missing (recorded with a
    message naming tools, host and packages), else None. Nothing to check: None at once."""
    if not runbook.requires:
        return None
    step = probe_step(runbook.requires)

    def explain(result) -> str | None:
        missing = _missing(result)
        if not missing:
            return None  # the host could not run the probe at all: its own message says why
        packages = sorted({PACKAGES.get(t, t) for t in missing})
        return (f"{', '.join(missing)} not installed on {hc.host.name} (needed by {runbook.name}; "
                f"on Debian/Ubuntu: apt-get install -y {' '.join(packages)})")

    result = stepexec.run_step(step, hc, "requires", explain)
    sink.append(stepexec.to_record(step, "requires", result))
    return step if result.status == "failed" else None


def _missing(result) -> list[str]:
    for line in (result.stdout or "").splitlines():
        if line.startswith(MISSING_MARK):
            return line[len(MISSING_MARK):].split()
    return []
