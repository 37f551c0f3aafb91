"""Build the shell script a step runs, identically for local and SSH execution.

Secrets never appear on a command line (which `ps` shows to every user of the host): the
script reads them from its standard input into environment variables, and the rendered
command refers to them as "$DESKCTL_SECRET_<name>". The sudo password travels the same way,
as the first line sudo reads with `-S`.
"""

from __future__ import annotations

import shlex

SECRET_PREFIX = "DESKCTL_SECRET_"


def secret_var(name: str) -> str:
    return SECRET_PREFIX + name


def build(
    command: str,
    *,
    env: dict[str, str] | None = None,
    path_prepend: list[str] | None = None,
    secrets: dict[str, str] | None = None,
    sudo: bool = False,
    sudo_password: str | None = None,
    is_root: bool = False,
    stdin: bytes | None = None,
) -> tuple[str, bytes]:
    """(command line, bytes to send on stdin). A plain command with nothing to add is
    returned as is, so the common case costs the remote host no extra shell."""
    lines: list[str] = []
    for key, value in (env or {}).items():
        lines.append(f"export {key}={shlex.quote(value)}")
    if path_prepend:
        joined = ":".join(path_prepend)
        lines.append(f'export PATH={shlex.quote(joined)}:"$PATH"')
    feed = b""
    for name, value in (secrets or {}).items():
        var = secret_var(name)
        lines.append(f"IFS= read -r {var} || [ -n \"${var}\" ]; export {var}")
        feed += value.encode() + b"\n"
    use_sudo = sudo and not is_root
    if not lines and not use_sudo:
        return command, stdin or b""
    script = "\n".join([*lines, command])
    if use_sudo:
        # -S: password from stdin, -p '': no prompt text in stderr, -k: never a cached ticket
        # (so the password line is always consumed and never reaches the command).
        password = (sudo_password or "").encode() + b"\n" if sudo_password is not None else b""
        flags = "-S -p '' -k" if sudo_password is not None else "-n"
        line = f"sudo {flags} -- /bin/sh -c {shlex.quote(script)}"
        return line, password + feed + (stdin or b"")
    return f"/bin/sh -c {shlex.quote(script)}", feed + (stdin or b"")
