"""The command line: the entry point, the root group and its options, the error boundary,
and the caches that keep `--help` fast. The commands themselves are in `deskctl.commands`."""
