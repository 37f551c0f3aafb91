"""One SSH hop: the socket (TCP, or a `direct-tcpip` channel through the previous hop), the
handshake, the host key checked against known_hosts, and authentication (agent, key files).
A jump host is checked exactly as a target is."""

from __future__ import annotations

import contextlib
import threading

from deskctl.executor import ConnectionFailed, HostKeyProblem, hostkeys
from deskctl.executor.hostkeys import entry_name, fingerprint
from deskctl.executor.ssh import open_socket, paramiko_module


def open_hop(hop, via=None, *, name: str | None = None):
    """An authenticated transport to one hop (`ssh_config.SshSettings`): a TCP socket, or
    with `via` (the previous hop's transport) a `direct-tcpip` channel through it. Its host
    key is verified exactly as a target's is, whichever hop it is."""
    paramiko = paramiko_module()
    where = f"{hop.user}@{hop.hostname}:{hop.port}"
    sock = hop_socket(hop, via)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = hop.connect_timeout
        known = hostkeys.load(hop.known_hosts).lookup(entry_name(hop.hostname, hop.port))
        _prefer_known_type(transport, known)
        transport.start_client(timeout=hop.connect_timeout)
        check_host_key(transport.get_remote_server_key(), hop, known, name or hop.alias)
        transport.auth_timeout = hop.connect_timeout
        _authenticate(paramiko, transport, hop, where)
    except ConnectionFailed:
        _close(transport, sock)
        raise
    except (paramiko.SSHException, OSError, EOFError) as exc:
        _close(transport, sock)
        raise ConnectionFailed(f"SSH connection to {where} failed: {exc or type(exc).__name__}") from None
    if hop.server_alive_interval:
        transport.set_keepalive(hop.server_alive_interval)  # ServerAliveInterval
    transport.deskctl_hop = hop.alias  # named when the next hop cannot be reached through it
    return transport


def hop_socket(hop, via):
    if via is None:
        return open_socket(hop.hostname, hop.port, hop.connect_timeout)
    paramiko = paramiko_module()
    try:
        return via.open_channel("direct-tcpip", (hop.hostname, hop.port), ("127.0.0.1", 0), timeout=hop.connect_timeout)
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ConnectionFailed(
            f"jump host {getattr(via, 'deskctl_hop', '?')} cannot reach {hop.hostname}:{hop.port}: {exc or type(exc).__name__}"
        ) from None


def _close(transport, sock) -> None:
    with contextlib.suppress(Exception):
        transport.close()
    with contextlib.suppress(Exception):
        sock.close()


def _prefer_known_type(transport, known) -> None:
    """Ask for the key type known_hosts holds first (as paramiko's SSHClient does), so a
    server with several keys presents the one we can check."""
    if not known:
        return
    first = list(known.keys())[0]
    options = transport.get_security_options()
    with contextlib.suppress(ValueError):
        options.key_types = [first] + [t for t in options.key_types if t != first]


_record_lock = threading.Lock()


def check_host_key(key, hop, known, name: str) -> None:
    """Refuse a changed key always, an unknown one unless the desk's ssh_config says
    `StrictHostKeyChecking accept-new|no` (then it is recorded in the desk's known_hosts)."""
    entry = entry_name(hop.hostname, hop.port)
    if name != hop.alias:
        entry += f" (jump host {hop.alias})"
    if known and key.get_name() in known:
        expected = known[key.get_name()]
        if expected.asbytes() == key.asbytes():
            return
        raise HostKeyProblem(
            f"host key of {entry} has CHANGED: it presents {key.get_name()} "
            f"{fingerprint(key)}, known_hosts has {fingerprint(expected)}; "
            f"this may be an attack; if the host was reinstalled, verify and run "
            f"`deskctl inventory trust {name}`",
            key_type=key.get_name(), fingerprint=fingerprint(key), changed=True,
        )  # fmt: skip
    if hop.strict in ("accept-new", "no") and hop.known_hosts:
        with _record_lock:
            hostkeys.record_in(hop.known_hosts[0], hop.hostname, hop.port, key)
        return
    raise HostKeyProblem(
        f"host key of {entry} is not known ({key.get_name()} {fingerprint(key)}); "
        f"check the fingerprint and run `deskctl inventory trust {name}`",
        key_type=key.get_name(), fingerprint=fingerprint(key),
    )  # fmt: skip


def _authenticate(paramiko, transport, hop, where: str) -> None:
    """ssh's order: the agent's keys (with IdentitiesOnly only those of the configured
    files), then the key files that could be loaded."""
    from deskctl.executor import sshkeys

    files = sshkeys.files_for(hop)
    file_keys = [(path, sshkeys.load(path)) for path in files]
    agent = paramiko.Agent() if sshkeys.agent_running() else None
    tried: list[str] = []
    try:
        agent_keys = list(agent.get_keys()) if agent else []
        if hop.identities_only:
            wanted = {sshkeys.public_blob(p) for p in files} | {k.asbytes() for _, k in file_keys if k}
            agent_keys = [k for k in agent_keys if k.asbytes() in wanted]
        offers = [(f"agent key {fingerprint(k)}", k) for k in agent_keys]
        offers += [(f"key file {p}", k) for p, k in file_keys if k is not None]
        for label, key in offers:
            try:
                if not transport.auth_publickey(hop.user, key):
                    return
                tried.append(f"{label} (needs more factors)")
            except paramiko.AuthenticationException:
                tried.append(label)
    finally:
        if agent is not None:
            agent.close()
    locked = [p for p in files if sshkeys.is_locked(p)]
    if not tried and hop.identity_files and not agent:
        shown = ", ".join(hop.identity_files)
        if locked:
            raise ConnectionFailed(f"key file {', '.join(locked)} is encrypted and was not unlocked, "
                                   f"and no ssh-agent is running (ssh-add it, or run deskctl on a terminal)")
        raise ConnectionFailed(
            f"key file {shown} not found and no ssh-agent is running "
            f"(set `key:` for {hop.alias} in config/inventory.yaml or IdentityFile in ssh_config, or start ssh-agent)"
        )
    note = f"; {', '.join(locked)} encrypted and not unlocked" if locked else ""
    raise ConnectionFailed(f"authentication failed for {where} (tried: {', '.join(tried) or 'no key'}{note})")
