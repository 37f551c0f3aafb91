"""Headless Chromium for tests of HTML output (status page, KPI report).

Flags as this machine needs them: no sandbox (root), no GPU, and no background networking,
which a closed network would refuse many times per start. Each run gets a fresh profile.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.missing import missing

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    """Chromium's path; missing: a failure under CI=true, else a skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing("headless Chromium not found: apt-get install -y chromium")
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Chromium once with a fresh profile under `tmp_path`; text output captured."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def console_messages(stderr: str) -> list[str]:
    """Lines where the page logged to the console (errors included), from --enable-logging."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


AXE_HOME = Path(__file__).resolve().parents[2] / ".cache" / "npm"  # scripts/test installs it there


def axe_script() -> Path:
    """axe-core's browser build, installed from the npm registry by scripts/test."""
    path = AXE_HOME / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        missing(f"axe-core not found: npm install --prefix {AXE_HOME} axe-core@4 (scripts/test does it)")
    return path


def axe_violations(tmp_path: Path, page: Path) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations of `page`, checked in headless Chromium: a copy of
    the page (beside the original, so relative links still resolve) runs axe and writes the
    result into the DOM that Chromium dumps."""
    import json
    import re

    # a redirecting page (the status page's language index) would leave before axe reports
    html = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", page.read_text(encoding="utf-8"))
    probe = (f"<script>{axe_script().read_text(encoding='utf-8')}</script><script>"
             "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
             "'best-practice']}}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
             "nodes: v.nodes.map(n => n.html.slice(0, 200))})), e => [{id: 'axe-error', help: String(e), nodes: []}])"
             ".then(found => { const p = document.createElement('pre'); p.id = 'axe-result'; "
             "p.textContent = JSON.stringify(found); document.documentElement.appendChild(p); });"
             "</script>")
    copy = page.with_name(f".axe-{page.name}")
    copy.write_text(html.replace("</body>", probe + "</body>") if "</body>" in html else html + probe, encoding="utf-8")
    try:
        result = run_chromium(tmp_path, "--dump-dom", "--virtual-time-budget=20000", "--allow-file-access-from-files",
                              copy.as_uri())
    finally:
        copy.unlink(missing_ok=True)
    dom = result.stdout
    start = dom.find('<pre id="axe-result">')
    assert start >= 0, f"axe did not report on {page} (exit {result.returncode}): {result.stderr[-1500:]}"
    import html as html_module

    text = dom[start + len('<pre id="axe-result">'):dom.index("</pre>", start)]
    return json.loads(html_module.unescape(text))
