"""The CMDB: configuration items (hosts, services, applications, ...) with attributes, an owner,
a status and relations, every update kept in the item's history with who, when, what and why.

  model.py      item shape, validation, field-by-field differences
  catalogue.py  stored items plus the read-only mirrors (inventory hosts, catalogue services)
  authority.py  which change an update belongs to, and who may make it
  items.py      add, update, retire, relate, history
  impact.py     what a failure or change of an item affects (`impact_of`)
  transfer.py   import and export (YAML, CSV, JSON), diff against a record

No click here: the commands are in `deskctl.commands.cmdb`.
"""
