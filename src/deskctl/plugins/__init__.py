"""The plugin machinery: the manager that loads built-in, installed and desk plugins, the
cached index of what they implement, and the events commands send them. The hook
specifications are `deskctl.hookspecs`; deskctl's own plugins are in `builtin/`."""
