"""deskctl: a plugin-based command-line toolkit for IT service desks."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # `deskctl.hookimpl` is what plugins decorate their hooks with; pluggy is imported only
    # when a plugin asks for it, so `deskctl --version` stays as cheap as a bare interpreter.
    if name == "hookimpl":
        from deskctl.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'deskctl' has no attribute {name!r}")
