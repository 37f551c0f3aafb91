"""The built-in configuration every desk starts from; `config/deskctl.yaml` overrides it.

Mappings merge key by key; lists and scalars replace. Later features add their sections here
so that `deskctl config show` can say which values are defaults and which come from the file.
"""

from __future__ import annotations

DEFAULTS: dict = {
    "desk": {"name": "Service Desk", "email": "servicedesk@example.com", "phone": ""},
    "timezone": "UTC",
    "default_language": "en",
    "languages": ["en", "it", "ru", "ro"],
    "data_dir": "data",
    "lock_timeout": 10,
    "tickets": {
        "types": {
            "incident": "INC",
            "service-request": "REQ",
            "info-request": "INF",
            "doc-request": "DOC",
            "change": "CHG",
        },
        "categories": [
            "hardware-fault",
            "software-fault",
            "network",
            "security",
            "user-support",
            "service-request",
            "data-recovery",
            "performance",
            "consulting",
            "other",
        ],
        "priorities": ["critical", "high", "medium", "low", "informational"],
        "channels": ["walk-in", "phone", "email", "chat", "portal", "social", "desktop-app", "api"],
        "services": [
            "mail", "calendar", "vpn", "wifi", "network", "erp", "crm", "printing",
            "file-share", "telephony", "intranet", "identity", "workstation",
        ],
        "groups": ["L1", "L2", "L3", "network", "security", "desktop"],
        "default_type": "incident",
        "default_group": "L1",
        # ITIL 3x3: impact x urgency -> priority
        "impact_levels": ["high", "medium", "low"],
        "priority_matrix": {
            "high": {"high": "critical", "medium": "high", "low": "medium"},
            "medium": {"high": "high", "medium": "medium", "low": "low"},
            "low": {"high": "medium", "medium": "low", "low": "low"},
        },
        "default_priority": "medium",
        "archive_after": "90d",
    },
    "rules": [],
}

# Top-level sections the desk config may hold besides the defaults above; each feature
# validates its own section (see the `check_desk` hook).
OPTIONAL_SECTIONS = {
    "rules", "calendars", "sla", "sweep", "channels", "announcements", "kb", "surveys",
    "secrets", "runbooks", "plugins", "roles",
}
