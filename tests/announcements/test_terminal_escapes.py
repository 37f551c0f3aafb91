"""Announcement fields reach the operator's terminal shown, never obeyed: previews, `show`,
`list`, bulletins (also those shown on `ticket create`) print no raw ESC, BEL, C1 or bidi control; `--json` keeps the exact text."""

from __future__ import annotations

from tests.announcements.conftest import create_approved

EVIL = "VPN \x1b]0;pwned\x07 down \x1b[2J\x1b[1A\x1b[2K \x9b31m \u202eevil"
SHOWN = "VPN ^[]0;pwned^G down ^[[2J^[[1A^[[2K <U+009B>31m <U+202E>evil"
RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def raw_controls(text: str) -> set[str]:
    return {c for c in text if c in RAW and c not in "\n\t"}


def test_announcement_fields_are_shown_not_obeyed(arun):
    ann_id = create_approved(arun, "unplanned-outage", "--set", "services=vpn",
                             "--set", "start=2026-12-01T08:00:00Z", "--set", f"impact={EVIL}")
    published = arun("announce", "publish", "--allow-fallback", ann_id)
    assert published.code == 0 and raw_controls(published.stdout + published.stderr) == set(), published
    for args in (("announce", "preview", ann_id), ("announce", "show", ann_id), ("announce", "list"), ("bulletin",),
                 ("ticket", "create", "--title", "no VPN", "--service", "vpn")):  # the bulletin shown to the engineer
        result = arun(*args)
        assert result.code == 0, result
        assert raw_controls(result.stdout + result.stderr) == set(), (args, result)
        assert args == ("announce", "list") or SHOWN in result.stdout + result.stderr, (args, result)
    preview = arun("announce", "preview", ann_id, "--lang", "en", "--channel", "sms")
    assert SHOWN in preview.stdout, preview
    as_json = arun("announce", "preview", ann_id, "--lang", "en", "--channel", "sms", "--json")
    assert raw_controls(as_json.stdout) == set()
    assert EVIL in as_json.json()[0]["parts"]["text"]
