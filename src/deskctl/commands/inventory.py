"""`deskctl inventory`: the hosts SOPs run on, and trusting their SSH host keys."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import interactive, json_option, pass_app, yes_option


@click.group()
def inventory() -> None:
    """List the hosts SOPs run on; trust their SSH keys."""


@inventory.command("list")
@json_option
@pass_app
def list_(app, as_json: bool) -> None:
    """Every host with its address, user, connection, groups and the source it comes from."""
    from deskctl.executor.inventory import load_inventory

    inv = load_inventory(app.desk)
    rows = [h.to_dict() for h in inv.hosts.values()]
    if as_json:
        output.print_json(rows)
        return
    output.print_table(rows, [("name", "HOST"), ("address", "ADDRESS"), ("port", "PORT"), ("user", "USER"), ("connection", "CONNECTION"), ("groups", "GROUPS"), ("source", "SOURCE")])


@inventory.command()
@click.argument("host", shell_complete=completers.host)
@json_option
@pass_app
def show(app, host: str, as_json: bool) -> None:
    """One host's settings and variables (group and host vars merged), and for SSH the
    effective connection settings (inventory, ssh_config) with where each came from."""
    from deskctl.executor import ssh_config
    from deskctl.executor.inventory import load_inventory

    target = load_inventory(app.desk).host(host)
    data = target.to_dict()
    if not target.is_local:
        data["ssh"] = ssh_config.resolve(app.desk, target, with_lines=True).to_dict()
    if as_json:
        output.print_json(data)
        return
    output.print_keyvalues([(k, v) for k, v in data.items() if k not in ("vars", "env", "ssh")])
    for key, value in sorted(data["vars"].items()):
        output.echo(f"var {key} = {value}")
    if "ssh" in data:
        output.echo("effective SSH settings (and where each comes from):")
        output.print_keyvalues(_ssh_rows(data["ssh"]))


def _ssh_rows(ssh: dict) -> list[tuple[str, str]]:
    rows = []
    for key in ("hostname", "user", "port", "identity_files", "identities_only", "proxy_jump", "connect_timeout",
                "server_alive_interval", "known_hosts_files", "strict_host_key_checking"):
        value, source = ssh[key], ssh["sources"].get(key, "default")
        if isinstance(value, list):
            value = ", ".join(map(str, value)) or ("ssh-agent, ~/.ssh/id_*" if key == "identity_files" else "none")
        if isinstance(source, list):
            source = ", ".join(dict.fromkeys(source))
        rows.append((f"  {key}", f"{value if value is not None else 'none'}  ({source})"))
    for jump in ssh["jumps"]:
        rows.append(("  via", f"{jump['alias']}: {jump['user']}@{jump['hostname']}:{jump['port']}"))
    return rows


@inventory.command()
@click.argument("host", shell_complete=completers.host)
@yes_option
@json_option
@pass_app
def trust(app, host: str, assume_yes: bool, as_json: bool) -> None:
    """Show HOST's SSH key fingerprint and record it in config/known_hosts after confirmation."""
    from deskctl.errors import BadInput, OperationFailed
    from deskctl.executor import ConnectionFailed
    from deskctl.executor.inventory import load_inventory
    from deskctl.executor.trust import inspect, record_key

    target = load_inventory(app.desk).host(host)
    if target.is_local:
        raise BadInput(f"{host} uses connection: local; there is no SSH key to trust")
    try:
        state = inspect(app.desk, target, ask=_ask_secret if interactive() else None)  # as sop run: --yes skips the confirmation only
    except ConnectionFailed as exc:
        raise OperationFailed(str(exc)) from None
    name = f"jump host {state['hop']} of {host}" if state["hop"] else host
    where = state["address"]
    summary = {"host": host, "hop": state["hop"], "address": where, "key_type": state["key_type"],
               "fingerprint": state["fingerprint"], "status": state["status"], "known": state["known"]}
    if state["status"] == "known":
        if as_json:
            output.print_json({**summary, "recorded": False})
        output.info(f"{name} ({where}) {state['key_type']} {state['fingerprint']} is already trusted")
        return
    output.info(f"{name} ({where}) presents {state['key_type']} {state['fingerprint']}")
    if state["status"] == "changed":
        output.warn(f"the key of {name} CHANGED: known_hosts has {', '.join(state['known'])}; make sure the host was reinstalled")
    if not assume_yes:
        if not interactive():
            raise BadInput("no terminal to confirm the fingerprint", "pass --yes to record it unattended")
        if not click.confirm("Is this the host's real key? Record it", default=False, err=True):
            raise OperationFailed("not recorded")
    path = record_key(app.desk, state)
    if as_json:
        output.print_json({**summary, "recorded": True, "file": app.desk.rel(path)})
    output.info(f"recorded in {app.desk.rel(path)}")
    if state["hop"]:
        output.info(f"run `deskctl inventory trust {host}` again for the next hop")


def _ask_secret(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)
