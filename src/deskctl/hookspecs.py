"""Every hook deskctl calls. deskctl's own features implement them exactly as third-party
plugins do (see `deskctl.plugins`), so anything built in can be replaced or extended.

Plugins mark their implementations with ``@deskctl.hookimpl``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("deskctl")
hookimpl = pluggy.HookimplMarker("deskctl")


@hookspec
def register_commands(cli):
    """Add click commands or groups to the root command group `cli`.

    Called once per process, before the command line is parsed. Use ``cli.add_command(cmd)``
    for a ready click command, or ``cli.add_lazy_command(name, "module:attr", summary)`` to
    import the command's module only when it runs (keeps ``deskctl --help`` fast).
    """


@hookspec
def register_step_types(register):
    """Add runbook step types. Call ``register(name, step_type)`` once per type.

    ``step_type`` is an object with ``validate(step, ctx) -> list[str]`` and
    ``run(step, ctx) -> StepResult`` (see docs/runbooks.md). A name registered twice fails,
    naming both plugins.
    """


@hookspec
def register_channels(register):
    """Add announcement delivery channels. Call ``register(name, channel)`` once per channel.

    ``channel`` has ``deliver(announcement, rendered, settings) -> list[Delivery]``
    (see docs/plugins.md). A name registered twice fails, naming both plugins.
    """


@hookspec
def register_store_backends(register):
    """Add store backends. Call ``register(name, factory)`` once per backend.

    ``factory(desk, settings, actor)`` returns a ``deskctl.store.interface.StoreBackend``
    (every store of the desk: tickets, announcements, run records, attachments,
    notifications, locks);
    ``settings`` is the desk's ``store:`` mapping (``backend`` included). The desk selects
    a backend with ``store: {backend: NAME}`` (default ``files``, see docs/plugins.md).
    """


@hookspec
def check_desk(desk):
    """Validate part of a desk (config, runbooks, templates, KB) for ``deskctl config check``.

    Return a list of problems, each a string ``file:line: what is wrong``, or None.
    Never raise for a problem in the desk: report it.
    """


@hookspec
def config_schema():
    """Declare the config sections this plugin reads: return a mapping of top-level section
    name -> schema node (``deskctl.desk.config_schema``: ``Fields``, ``MapOf``, ``ListOf``,
    ``Text``, ``Number``, ``Int``, ``Bool``, ``Duration``, ...), or None.

    ``deskctl config check`` then checks those sections like deskctl's own (types, ranges,
    unknown keys) and reports each mistake as ``file:line``. A section deskctl already
    defines cannot be replaced.
    """


@hookspec
def ticket_created(ticket, desk):
    """A ticket was created and is safely stored. ``ticket`` is its dict (the --json shape)."""


@hookspec
def ticket_updated(ticket, changes, event, desk):
    """A ticket changed and the change is safely stored.

    ``changes`` maps field -> [old, new]; ``event`` is the history event just recorded
    (action, actor, note, ...).
    """


@hookspec
def notify(desk, topic, message, recipients):
    """Deliver an operational notification (SLA at risk, reminders) to people or chat.

    ``topic`` is a short machine name (e.g. ``sla.at-risk``), ``message`` a dict with
    ``subject`` and ``text``; ``recipients`` names groups or addresses. Return a list of
    delivery descriptions, or None when this plugin does not handle it.
    """
