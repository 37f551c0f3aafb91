"""deskctl's built-in plugins: its own features, registered through the same hooks as
third-party plugins (see `deskctl.plugins.manager.DEFAULT_PLUGINS`)."""
