"""`deskctl completion SHELL`: the script that makes Tab complete deskctl in bash, zsh or fish."""

from __future__ import annotations

import click

from deskctl import output

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", metavar="SHELL", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(deskctl completion bash)"    in ~/.bashrc
    zsh:   eval "$(deskctl completion zsh)"     in ~/.zshrc (after compinit)
    fish:  deskctl completion fish > ~/.config/fish/completions/deskctl.fish

    Commands, options, ticket ids (open ones first), SOP names and parameters, hosts and groups,
    announcement and KB article ids, categories and support groups are completed.
    """
    from deskctl.cli.root import completion_script

    output.echo(completion_script(shell))
