"""`deskctl inventory trust HOST`: fetch the key a host presents and compare it with
known_hosts, so a person can confirm the fingerprint before it is recorded."""

from __future__ import annotations

from typing import Any

from deskctl.executor import hostkeys
from deskctl.executor.ssh import fetch_host_key


def inspect(desk, host) -> dict[str, Any]:
    """The presented key and whether it is known, unknown or changed."""
    key = fetch_host_key(host.address, host.port, host.connect_timeout)
    known = hostkeys.load(hostkeys.known_hosts_files(desk)).lookup(hostkeys.entry_name(host.address, host.port)) or {}
    fingerprints = [f"{t} {hostkeys.fingerprint(k)}" for t, k in known.items()]
    if known.get(key.get_name()) == key:
        status = "known"
    elif key.get_name() in known:
        status = "changed"
    else:
        status = "unknown"
    return {"key": key, "key_type": key.get_name(), "fingerprint": hostkeys.fingerprint(key), "status": status, "known": fingerprints}


def record_key(desk, host, key):
    return hostkeys.record(desk, host.address, host.port, key)
