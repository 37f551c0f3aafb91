"""`deskctl demo`: fill a desk with a reproducible synthetic ticket history."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def demo() -> None:
    """Fill a desk with a reproducible synthetic ticket history (for demos, tests, benchmarks)."""


@demo.command()
@click.option("--tickets", "count", type=click.IntRange(1, 2_000_000), required=True, help="How many tickets.")
@click.option("--days", type=click.FloatRange(min=1, max=3660), default=90, show_default=True,
              help="Spread arrivals over this many days before now.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed (and DESKCTL_NOW) = same tickets.")
@click.option("--append", is_flag=True, help="Add to a store that already holds tickets.")
@json_option
@pass_app
def seed(app, count, days, seed, append, as_json) -> None:
    """Generate tickets with office-hour peaks, escalations, pending periods and surveys."""
    from deskctl.demo.generator import seed_desk
    from deskctl.errors import BadInput
    from deskctl.store import open_store

    existing = open_store(app.desk).rows(active=True, closed=True, archived=True)
    if existing and not append:
        raise BadInput(f"the desk already holds {len(existing)} ticket(s)",
                       "seed a fresh desk (`deskctl init DIR`), or pass --append to add to them")
    output.info(f"generating {count} ticket(s) over {days:g} day(s), seed {seed}...")
    result = seed_desk(app.desk, tickets=count, days=days, seed=seed)
    if as_json:
        output.print_json(result)
    else:
        kinds = ", ".join(f"{n} {p}" for p, n in sorted(result["by_prefix"].items()))
        output.echo(f"seeded {result['tickets']} ticket(s) ({kinds}) from {result['span']['from'][:10]} "
                    f"to {result['span']['to'][:10]}")
