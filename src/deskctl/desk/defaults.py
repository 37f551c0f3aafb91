"""The built-in configuration every desk starts from; `config/deskctl.yaml` overrides it.

Mappings merge key by key; lists and scalars replace. Later features add their sections here
so that `deskctl config show` can say which values are defaults and which come from the file.
What each key may hold (types, ranges, allowed values) is in `deskctl.desk.config_schema`: a key
added here needs its rule there.
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
        # resolving by hand (`ticket resolve`, `ticket create --resolved`) needs a category
        "require_category_at_resolve": True,
        # Ticket forms (docs/forms.md): the key facts recorded on a ticket with --field NAME=VALUE.
        # None is required here; a desk adds `required: {at: create, types: [incident]}` and the like.
        "fields": {
            "location": {"type": "text", "help": "where the problem is: site, building, floor, room"},
            "started_at": {"type": "date-time", "help": "when the problem started (ISO 8601, or 2h for two hours ago)"},
            "error_code": {"type": "text", "help": "the error code or message, exactly as shown"},
            "tried": {"type": "text", "help": "what the requester or first line already tried"},
            "affected_users": {"type": "number", "min": 1, "help": "how many people are affected"},
            "requester_language": {"type": "choice", "choices": "languages",
                                   "help": "the language the requester is answered in"},
        },
    },
    "rules": [],
    # the CMDB (docs/cmdb.md): the types a configuration item may have
    "cmdb": {"types": ["host", "service", "application", "database", "network-device", "other"]},
    # Business calendars for SLA clocks; a calendar without `timezone` uses the desk's.
    "calendars": {
        "office": {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "09:00-18:00", "holidays": []},
        "always": {"timezone": "UTC", "days": "all", "hours": "00:00-24:00"},
    },
    # SLA targets per priority, in business time of the calendar (2d = two working days).
    "sla": {
        "critical": {"calendar": "always", "response": "15m", "resolution": "4h"},
        "high": {"calendar": "office", "response": "1h", "resolution": "4h"},
        "medium": {"calendar": "office", "response": "4h", "resolution": "2d"},
        "low": {"calendar": "office", "response": "1d", "resolution": "5d"},
        "at_risk": "80%",
    },
    # What `deskctl ticket sweep` (cron) does; a duration set to false turns that step off.
    "sweep": {
        "at_risk": {"notify": True},
        "breached": {"escalate": True, "raise_priority": True, "notify": True},
        "escalation_path": ["L1", "L2", "L3"],
        "resolved_autoclose": "5d",
        "pending_reminder": "3d",
        "pending_autoclose": "10d",
        "recipients": {},  # group -> e-mail addresses for sweep notifications
    },
    # First-contact resolution (docs/kpis.md): resolved by the account that registered the
    # ticket within `window` of business time (calendar: sla = the ticket's SLA calendar,
    # wall = wall-clock time, or a calendar's name), never escalated, reassigned, pending or reopened.
    "kpis": {"fcr": {"window": "30m", "calendar": "sla", "same_account": True}},
    # Satisfaction surveys: which closed tickets are asked, and for how long after closing.
    # `questionnaire`: questions asked besides the overall score (id, text per language, a 1-5
    # `scale` or `choices`); `every`: only every Nth closed ticket; `delay`: not sooner after closing.
    "surveys": {"sample": "100%", "types": [], "window": "14d", "once": True, "every": 1, "delay": 0,
                "methods": ["phone", "email", "online", "in-person"], "questionnaire": []},
    # SOP runbooks (deskctl sop run): parallel hosts, bounded waits, where new secrets go
    "runbooks": {
        "forks": 10,  # hosts run in parallel (--forks overrides)
        "step_timeout": 600,  # seconds a step may run unless it sets timeout:
        "lock_timeout": 0,  # seconds to wait for a `lock: true` host lock held by another run
        "secret_sink": "",  # command that receives generated secrets as JSON on stdin; "" = show once on stderr
        # accounts no SOP may act on, besides the built-in root/admin/service accounts (globs allowed)
        "protected_accounts": [],
    },
    # Announcements (deskctl announce): where they go and who must approve them. Channel
    # settings live under `channels:` (smtp, webhook, statuspage, file), approver names under
    # `roles:`; both are open to plugins, so they have no defaults here (see docs/announcements.md).
    "announcements": {
        "publish_channels": ["file", "statuspage"],
        "recipients": None,  # language -> [addresses] (or list name -> [addresses]); none: no mail
        # per severity, alternatives of role -> how many distinct approvers
        "approvals": {"minor": [{"manager": 1}, {"head": 1}], "major": [{"manager": 2}, {"head": 1}]},
        "self_approval": False,  # may the author approve their own announcement?
        "sms_max_segments": 3,  # warn when an SMS takes more segments than this
        "bulletin_horizon_hours": 24,  # `deskctl bulletin` shows what starts within this many hours
        # kind -> minimum notice before its start; less needs `--short-notice REASON` (outages: none)
        "min_notice": {"planned-maintenance": "3d"},
        "kinds": None,  # extra kinds, or changed required fields: name -> {required: [...], ...}
        "fields": None,  # extra fields: name -> type (text, string, datetime, services, ...)
    },
}
