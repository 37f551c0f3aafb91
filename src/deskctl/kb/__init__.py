"""The knowledge base: Markdown articles found by keyword search, and yes/no troubleshooting
flows that walk a first-line operator to an article, a SOP, a resolution or an escalation.

No click here (the commands live in `deskctl.commands.kb`), and nothing heavy at import time:
`deskctl kb search` is run from phones and must start fast.
"""
