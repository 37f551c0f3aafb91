"""Channels are plugins: a desk plugin adds one through `register_channels`; a duplicate name
is reported naming both plugins; `--help` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.announcements.conftest import create_approved, replace_config
from tests.conftest import deskctl_executable

PLUGIN = '''
import json
from pathlib import Path
from deskctl import hookimpl

class Pager:
    template = "sms"

    def targets(self, announcement, language, settings):
        return [[settings["number"]]] if language == "en" else []

    def deliver(self, announcement, rendered, settings):
        out = Path(settings["_desk"].path) / "pager.jsonl"
        with out.open("a", encoding="utf-8") as fh:
            for item in rendered:
                fh.write(json.dumps({"to": item.recipients, "text": item.content["sms"].parts["text"]}) + "\\n")
        return [{"key": item.key, "status": "sent", "detail": "paged"} for item in rendered]

@hookimpl
def register_channels(register):
    register("pager", Pager())
    register("file", object())
'''


def test_a_desk_plugin_adds_a_channel(arun, desk, maintenance):
    (desk / "plugins" / "pager.py").write_text(PLUGIN)
    replace_config(desk, "\nchannels:\n", "\nchannels:\n  pager: {number: '+390212345678'}\n")
    replace_config(desk, "publish_channels: [file, statuspage]", "publish_channels: [pager]")
    ann_id = create_approved(arun)
    result = arun("announce", "publish", "--allow-fallback", ann_id)
    assert result.code == 0, result
    assert "channel 'file' is registered by both 'channels' and 'pager'" in result.stderr
    sent = [json.loads(line) for line in (desk / "pager.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sent == [{"to": ["+390212345678"], "text": sent[0]["text"]}]
    assert sent[0]["text"].startswith("Planned maintenance of mail and calendar: Dec 5, 2026, 10:00 PM")
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert len((desk / "pager.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_announce_help_imports_neither_jinja2_nor_babel(desk, base_env):
    for args in (["announce", "--help"], ["announce", "create", "--help"], ["bulletin", "--help"]):
        proc = subprocess.run([sys.executable, "-X", "importtime", deskctl_executable(), *args],
                              capture_output=True, text=True, env=base_env, cwd=desk, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                   if line.startswith("import time:") and "|" in line}
        heavy = sorted(m for m in modules if m.split(".")[0] in ("jinja2", "babel", "markupsafe"))
        assert heavy == [], (args, heavy)
