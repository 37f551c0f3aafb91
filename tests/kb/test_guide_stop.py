"""Ctrl-C while `kb guide --run` runs the flow's SOP: the SOP run stops as `sop run` does
(rollback and finally run) instead of being killed half-way by the guide."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time

from tests.conftest import deskctl_executable


def test_ctrl_c_during_the_guides_sop_run_lets_rollback_and_finally_run(kbdesk, base_env, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    token = f"dk-guide-{os.urandom(4).hex()}"
    sleeper = tmp_path / f"{token}-sleep"
    shutil.copy(shutil.which("sleep"), sleeper)
    (kbdesk / "sops" / "network-diagnostics.yaml").write_text(f"""name: network-diagnostics
params:
  target: {{type: string, required: false, default: none}}
targets: localhost
steps:
  - name: long
    local: touch {marks}/started && {sleeper} 60
rollback:
  - name: undo
    local: sleep 1 && touch {marks}/rollback
finally:
  - name: cleanup
    local: touch {marks}/finally
""")
    proc = subprocess.Popen([deskctl_executable(), "kb", "guide", "no-network", "--answers", "yes,no",
                             "-p", "target=pc-1", "--run", "--yes"], cwd=kbdesk, env=base_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        for _ in range(600):  # bounded: until the SOP's long step runs
            if (marks / "started").exists():
                break
            time.sleep(0.05)
        assert (marks / "started").exists()
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal does: guide and SOP run alike
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert (marks / "rollback").exists() and (marks / "finally").exists(), err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        for pid in subprocess.run(["pgrep", "-f", token], capture_output=True, text=True, timeout=10).stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
