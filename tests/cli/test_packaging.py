"""`pip install .` ships the default desk: a desk made from the wheel alone works."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import REPO


def test_wheel_carries_the_default_desk_and_init_works_from_it(tmp_path, base_env):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(REPO)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("deskctl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "deskctl/default_desk/config/deskctl.yaml" in names
    assert any(n.startswith("deskctl/default_desk/sops/") for n in names)
    assert any(n.startswith("deskctl/default_desk/kb/") for n in names)
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    env = dict(base_env, PYTHONPATH=str(unpacked))
    where = subprocess.run([sys.executable, "-c", "import deskctl; print(deskctl.__file__)"],
                           env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(unpacked))  # the wheel's copy, not the checkout
    target = tmp_path / "desk"
    made = subprocess.run([sys.executable, "-m", "deskctl", "init", str(target)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    checked = subprocess.run([sys.executable, "-m", "deskctl", "config", "check"], env=env, cwd=target,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
