"""What the synthetic desk is made of: who calls, about what, through which channel, and how
often (weights are relative). Multilingual names, as on the desks this tool serves."""

from __future__ import annotations

FIRST_NAMES = (
    "Ana", "Mihai", "Ioana", "Andrei", "Elena", "Giulia", "Marco", "Francesca", "Luca", "Chiara",
    "Olga", "Ivan", "Natalia", "Dmitri", "Svetlana", "Emma", "James", "Sofia", "Paolo", "Irina",
    "Sergei", "Alessandro", "Maria", "Vlad", "Tatiana", "George", "Laura", "Stefan", "Anna", "Pavel",
)
LAST_NAMES = (
    "Popescu", "Ionescu", "Rossi", "Bianchi", "Ivanova", "Petrov", "Smith", "Russo", "Dumitru",
    "Sokolov", "Ferrari", "Constantin", "Volkova", "Brown", "Esposito", "Marin", "Kuznetsov",
    "Romano", "Stan", "Morozova",
)

TYPES = {"incident": 55, "service-request": 24, "info-request": 15, "doc-request": 2, "change": 4}
CHANNELS = {"phone": 30, "email": 27, "portal": 18, "chat": 12, "walk-in": 6, "desktop-app": 4,
            "social": 2, "api": 1}
PRIORITIES = {"critical": 3, "high": 14, "medium": 50, "low": 28, "informational": 5}

# type -> category weights
CATEGORIES = {
    "incident": {"hardware-fault": 22, "software-fault": 30, "network": 20, "security": 7,
                 "performance": 12, "data-recovery": 4, "other": 5},
    "service-request": {"service-request": 70, "user-support": 20, "hardware-fault": 10},
    "info-request": {"user-support": 60, "consulting": 35, "other": 5},
    "doc-request": {"consulting": 60, "other": 40},
    "change": {"service-request": 70, "network": 15, "security": 15},
}

# category -> (services, group, titles)
TOPICS = {
    "hardware-fault": (("printing", "workstation", "telephony"), "desktop", (
        "Printer on floor {n} jams every page", "Laptop does not power on", "Docking station: no display",
        "Headset crackles on calls", "Toner empty in the printer on floor {n}", "Keyboard keys stuck")),
    "software-fault": (("mail", "erp", "crm", "calendar", "intranet"), "L1", (
        "Outlook crashes when opening attachments", "ERP report export fails with error 500",
        "CRM freezes when saving a contact", "Calendar invitations not received",
        "Intranet page shows a blank screen", "Excel add-in missing after update")),
    "network": (("vpn", "wifi", "network", "file-share"), "network", (
        "VPN disconnects every few minutes", "No Wi-Fi in meeting room {n}", "Cannot reach the file share",
        "Network very slow in building B", "VPN not working from home", "Ethernet port dead at desk {n}")),
    "security": (("mail", "identity"), "security", (
        "Suspicious e-mail asking for my password", "Possible phishing link clicked",
        "Antivirus reports malware on laptop", "Account locked after failed logins")),
    "performance": (("workstation", "erp", "file-share"), "L1", (
        "Computer very slow since this morning", "ERP takes minutes to open orders",
        "Disk full on laptop", "File share slow to list folders")),
    "data-recovery": (("file-share", "mail"), "L2", (
        "Deleted folder on the file share by mistake", "Restore yesterday's version of a spreadsheet",
        "Lost e-mails after mailbox migration")),
    "service-request": (("identity", "mail", "workstation", "telephony", "erp"), "L1", (
        "New employee account for {name}", "Install Visio on my laptop", "Shared mailbox access for sales",
        "New phone extension for room {n}", "ERP role for purchase approvals", "Replace printer cartridge")),
    "user-support": (("identity", "mail", "calendar", "workstation"), "L1", (
        "Password reset", "How do I share my calendar?", "Set up mail on my phone",
        "Forgot my PIN for the printer", "How to book a meeting room")),
    "consulting": (("erp", "crm", "intranet"), "L1", (
        "Which tool should we use for surveys?", "Advice on storing project documents",
        "Question about the new expense process")),
    "other": (("intranet", "workstation"), "L1", (
        "Question about IT equipment policy", "Badge reader not accepting my card")),
}

OS_NAMES = ("Windows 11", "Windows 10", "macOS 14", "Ubuntu 24.04")
MEMORY = ("8GB", "16GB", "32GB")

# arrivals: relative weight by weekday (Mon..Sun) and by local hour (office peaks)
WEEKDAY_WEIGHTS = (1.25, 1.15, 1.1, 1.05, 0.95, 0.12, 0.06)
HOUR_WEIGHTS = (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1.0, 3.0, 6.0, 7.0, 6.0, 3.5, 3.5, 5.5,
                5.5, 4.5, 3.0, 1.2, 0.6, 0.4, 0.3, 0.2, 0.15)

# median business minutes to first response / to resolution, per priority
RESPONSE_MEDIAN = {"critical": 6, "high": 25, "medium": 90, "low": 240, "informational": 400}
RESOLUTION_MEDIAN = {"critical": 90, "high": 110, "medium": 420, "low": 1000, "informational": 600}

SURVEY_SCORES = {1: 4, 2: 6, 3: 14, 4: 36, 5: 40}
RESOLUTIONS = (
    "Restarted the service and confirmed with the user", "Reinstalled the driver",
    "Reset the password and unlocked the account", "Explained the procedure step by step",
    "Replaced the faulty part", "Restored the files from last night's backup",
    "Cleared the local cache and profile", "Granted the requested access",
)
# articles of the shipped knowledge base (kb/articles/), so `kb stats` credits them
KB_ARTICLES = ("KB-printer-paper-jam", "KB-password-forgotten", "KB-vpn-cannot-connect",
               "KB-email-not-working", "KB-wifi-cannot-connect", "KB-slow-computer")
PENDING_REASONS = ("waiting for the user to reboot", "waiting for the user's availability",
                   "waiting for manager approval", "waiting for the vendor's answer",
                   "waiting for spare part delivery")
