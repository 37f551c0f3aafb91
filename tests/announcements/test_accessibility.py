"""The status page (every language and its index) and the HTML e-mails pass axe-core in
headless Chromium; text shown in a fallback language says which language it is in."""

from __future__ import annotations

from tests.announcements.conftest import create_approved
from tests.support.browser import axe_violations

LANGS = ("en", "it", "ru", "ro")


def test_status_page_and_mails_pass_axe_in_every_language(arun, desk, maintenance, tmp_path):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    status = desk / "public" / "status"
    for page in [status / "index.html", *(status / lang / "index.html" for lang in LANGS)]:
        assert axe_violations(tmp_path, page) == [], page
    out = tmp_path / "rendered"
    assert arun("announce", "render", ann_id, "--out", str(out)).code == 0
    for lang in LANGS:
        assert axe_violations(tmp_path, out / lang / "email.html") == [], lang


def test_fallback_text_is_marked_with_its_language(arun, desk, maintenance, tmp_path):
    # maintenance.yaml has no Russian impact: the English one is shown, marked lang="en"
    ann_id = create_approved(arun)
    out = tmp_path / "rendered"
    assert arun("announce", "render", ann_id, "--out", str(out)).code == 0
    russian = (out / "ru" / "email.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in russian
    assert '<span lang="en">E-mail cannot be sent or received.</span>' in russian
    italian = (out / "it" / "email.html").read_text(encoding="utf-8")
    assert "Non sarà possibile inviare o ricevere e-mail." in italian
    assert '<span lang="en">Non sarà' not in italian and '<span lang="en">Use the phone' in italian
    assert 'lang="en"' not in (out / "ru" / "email.txt").read_text(encoding="utf-8")  # text stays text
