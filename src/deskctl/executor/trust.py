"""`deskctl inventory trust HOST`: fetch the key a host presents and compare it with
known_hosts, so a person can confirm the fingerprint before it is recorded.

A host behind jump hosts (ProxyJump) is reached through them, each one verified; the first
hop whose key is not known yet is the one shown (trusting HOST again goes one hop further)."""

from __future__ import annotations

from typing import Any

from deskctl.executor import hostkeys


def inspect(desk, host, *, ask=None) -> dict[str, Any]:
    """The presented key of the first hop not known yet (else of HOST) and its status:
    known, unknown or changed. `hop` is None for HOST itself, else the jump host's name."""
    from deskctl.executor import ssh_config, sshhops, sshkeys

    settings = ssh_config.resolve(desk, host)
    sshkeys.unlock([settings], ask)
    path = [*settings.jumps, settings]
    transports = []
    try:
        for hop in path:
            key = _presented_key(hop, transports[-1] if transports else None)
            known = hostkeys.load(hop.known_hosts).lookup(hostkeys.entry_name(hop.hostname, hop.port)) or {}
            if known.get(key.get_name()) is not None and known[key.get_name()].asbytes() == key.asbytes():
                status = "known"
            elif key.get_name() in known:
                status = "changed"
            else:
                status = "unknown"
            if status != "known" or hop is settings:
                return {
                    "key": key, "key_type": key.get_name(), "fingerprint": hostkeys.fingerprint(key),
                    "status": status, "known": [f"{t} {hostkeys.fingerprint(k)}" for t, k in known.items()],
                    "hop": None if hop is settings else hop.alias, "address": f"{hop.hostname}:{hop.port}",
                    "known_hosts": hop.known_hosts[0],
                }  # fmt: skip
            transports.append(sshhops.open_hop(hop, transports[-1] if transports else None, name=host.name))
    finally:
        for transport in reversed(transports):
            transport.close()
    raise AssertionError("unreachable: the last hop always returns")


def _presented_key(hop, via):
    """The key one hop presents, without authenticating."""
    from deskctl.executor import ConnectionFailed, sshhops
    from deskctl.executor.ssh import paramiko_module

    paramiko = paramiko_module()
    sock = sshhops.hop_socket(hop, via)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=hop.connect_timeout)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ConnectionFailed(f"SSH handshake with {hop.hostname}:{hop.port} failed: {exc}") from None
    finally:
        transport.close()
        sock.close()


def record_key(desk, state: dict[str, Any]):
    """Record the shown key in the known_hosts file it is looked up in first (the desk's)."""
    host, _, port = state["address"].rpartition(":")
    return hostkeys.record_in(state["known_hosts"], host, int(port), state["key"])
