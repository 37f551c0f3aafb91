"""Thin click glue, one module per command group: parse options, call the domain, print."""
