"""A target sshd reachable only through a jump host, on one machine.

The target runs in its own network namespace (``unshare -n``, needs root): nothing in this
machine's namespace can reach it, so a direct connection is refused. The jump host is a real
sshd too: an accept loop on 127.0.0.1 here hands each connection to ``sshd -i`` started
inside the target's namespace (``nsenter --net``), so the jump host's ``direct-tcpip``
connections are made where the target listens. Stop both with ``stop()`` (by PID).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import sshd as sshd_mod

TARGET_ADDRESS = "127.0.0.7"


def available() -> str | None:
    """Why the setup cannot run here, or None."""
    for tool in ("unshare", "nsenter", "ip", "ssh-keygen"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    if sshd_mod.find_sshd() is None:
        return "sshd not found"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10)
    if probe.returncode != 0:
        return "cannot create a network namespace (unshare -n): " + probe.stderr.decode(errors="replace").strip()
    return None


def _config(workdir: Path, host_key: Path, authorized: Path, extra: list[str]) -> list[str]:
    return [
        f"HostKey {host_key}", f"AuthorizedKeysFile {authorized}", "PubkeyAuthentication yes",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "PermitRootLogin prohibit-password", "LogLevel VERBOSE", "UseDNS no", "PrintMotd no",
        "PrintLastLog no", "SetEnv SHLVL=1", *extra,
    ]  # fmt: skip


@dataclass
class JumpSetup:
    workdir: Path
    user: str
    client_key: Path
    target_port: int
    target_public_key: str
    jump_port: int
    jump_public_key: str
    target_log: Path
    jump_log: Path
    _target: subprocess.Popen | None = None
    _listener: socket.socket | None = None
    _thread: threading.Thread | None = None
    _sessions: list[subprocess.Popen] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def known_hosts(self) -> str:
        return (f"[127.0.0.1]:{self.jump_port} {self.jump_public_key}\n"
                f"[{TARGET_ADDRESS}]:{self.target_port} {self.target_public_key}\n")  # fmt: skip

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for proc in [*self._sessions, *([self._target] if self._target else [])]:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)

    def _serve(self, sshd: str, config: Path) -> None:
        assert self._listener is not None and self._target is not None
        self._listener.settimeout(0.2)
        for _ in range(1_000_000):  # bounded; each pass waits at most 0.2 s
            if self._stopping.is_set():
                return
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(None)
                self._sessions.append(subprocess.Popen(
                    ["nsenter", f"--net=/proc/{self._target.pid}/ns/net", sshd, "-i", "-f", str(config),
                     "-E", str(self.jump_log)],
                    stdin=conn.fileno(), stdout=conn.fileno(), stderr=subprocess.DEVNULL,
                ))  # fmt: skip


def start(workdir: Path) -> JumpSetup:
    sshd = sshd_mod.find_sshd()
    assert sshd is not None
    workdir.mkdir(parents=True, exist_ok=True)
    sshd_mod._ensure_privsep_dir()
    client_key = sshd_mod._keygen(workdir / "client_ed25519", "client")
    target_key = sshd_mod._keygen(workdir / "target_host_ed25519", "target")
    jump_key = sshd_mod._keygen(workdir / "jump_host_ed25519", "jump")
    authorized = workdir / "authorized_keys"
    authorized.write_text(sshd_mod._public_key(client_key) + "\n")
    port = 2222  # the namespace is empty: any port is free there
    target_config = workdir / "target_sshd_config"
    target_log = workdir / "target.log"
    target_config.write_text("\n".join(_config(workdir, target_key, authorized, [
        f"ListenAddress {TARGET_ADDRESS}:{port}", f"PidFile {workdir / 'target.pid'}",
        "AllowTcpForwarding no", "PerSourcePenalties no" if sshd_mod._supports_per_source_penalties(sshd) else "",
    ])) + "\n")  # fmt: skip
    target = subprocess.Popen(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" -D -f "$1" -E "$2"', sshd,
         str(target_config), str(target_log)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    jump_config = workdir / "jump_sshd_config"
    jump_config.write_text("\n".join(_config(workdir, jump_key, authorized, ["AllowTcpForwarding yes"])) + "\n")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    setup = JumpSetup(
        workdir=workdir, user=sshd_mod._current_user(), client_key=client_key, target_port=port,
        target_public_key=sshd_mod._public_key(target_key), jump_port=listener.getsockname()[1],
        jump_public_key=sshd_mod._public_key(jump_key), target_log=target_log,
        jump_log=workdir / "jump.log", _target=target, _listener=listener,
    )  # fmt: skip
    try:
        for _ in range(500):  # up to ~10 s
            log = target_log.read_text() if target_log.exists() else ""
            if f"Server listening on {TARGET_ADDRESS} port {port}" in log:
                break
            if target.poll() is not None:
                raise RuntimeError(f"target sshd exited ({target.returncode}): {log[-2000:]}")
            time.sleep(0.02)
        else:
            raise RuntimeError("target sshd did not start in its namespace")
        setup._thread = threading.Thread(target=setup._serve, args=(sshd, jump_config), daemon=True)
        setup._thread.start()
    except BaseException:
        setup.stop()
        raise
    return setup
