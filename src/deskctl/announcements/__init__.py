"""Announcements: outage and maintenance notices written once, rendered in every language and
channel, approved by management, published idempotently and kept with their whole timeline.

No click here: `deskctl.commands.announce` is the CLI glue. Jinja2 and Babel are imported only
inside the functions that render, so `deskctl announce --help` stays light.
"""

ID_PREFIX = "ANN-"  # announcement ids: ANN-0001
