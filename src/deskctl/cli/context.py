"""`AppContext`: what every command may need (the desk, the actor, output flags, plugins).

Plain Python, no click: the root command builds one and `commands._common.pass_app` hands it on.
"""

from __future__ import annotations


class AppContext:
    """The desk is opened, and the plugins loaded, on first use: a command that needs neither
    pays for neither (a built-in command runs from the cached plugin index)."""

    def __init__(self, desk_option: str | None = None, actor: str | None = None, debug: bool = False,
                 quiet: bool = False, loaded_plugins: object = None, warnings: list[str] | None = None):
        self.desk_option = desk_option
        self._actor = actor
        self.debug = debug
        self.quiet = quiet
        self.loaded_plugins = loaded_plugins
        self.warnings = warnings if warnings is not None else []
        self._identity = None
        self._desk = None
        self.lenient_config = False  # `config check` reports every config problem itself

    @property
    def actor(self) -> str:
        """Who acts (`identity.account`), looked up on first use: commands that only read
        never record an actor."""
        return self.identity.account

    @actor.setter
    def actor(self, value: str | None) -> None:
        self._actor = value
        self._identity = None

    @property
    def identity(self):
        """On a managed desk (one with accounts) the OS login's account, with `--actor` or
        $DESKCTL_ACTOR as on whose behalf (needs act-as); else `--actor`, $DESKCTL_ACTOR or
        the login name, as always."""
        if getattr(self, "_identity", None) is None:
            import os

            from deskctl.access.identity import ON_BEHALF, Identity, resolve
            from deskctl.errors import DeskError

            try:
                desk = self.desk
            except DeskError:  # no desk here (`init`, `completion`): nobody to check against
                desk = None
            requested = self._actor or os.environ.get("DESKCTL_ACTOR") or None
            if desk is None:
                self._identity = Identity(requested or default_actor(), None, "no desk", managed=False)
            else:
                self._identity = resolve(desk, requested, default_actor)
            ON_BEHALF.set(self._identity.on_behalf_of)
        return self._identity

    @property
    def plugins(self):
        if self.loaded_plugins is None:
            self.loaded_plugins = load_plugins_for(self.desk_option)
        return self.loaded_plugins

    @property
    def resolved_identity(self):
        """The identity if it was looked up, else None (never looks it up)."""
        return self._identity

    @property
    def opened_desk(self):
        """The desk if a command opened it, else None (never opens it)."""
        return self._desk

    @property
    def desk(self):
        if self._desk is None:
            from deskctl.desk import open_desk

            desk = open_desk(self.desk_option)
            if self.loaded_plugins is not None:
                from deskctl.desk.config_report import plugin_schema

                desk.schema = plugin_schema(self.loaded_plugins)
            if self.lenient_config:
                desk.lenient = True
            else:
                desk.config  # noqa: B018 - checked against the schema before any command runs
            self._desk = desk
        return self._desk


def load_plugins_for(desk_option: str | None):
    from deskctl.desk.finder import find_desk_dir
    from deskctl.plugins.manager import load_plugins

    return load_plugins(find_desk_dir(desk_option))


def default_actor() -> str:
    """$DESKCTL_ACTOR, else the login name as `getpass.getuser()` finds it (without its import:
    it brings in termios)."""
    import os

    for name in ("DESKCTL_ACTOR", "LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no passwd entry in some containers
        return "unknown"
