"""Our reader of Ansible inventories against the real `ansible-inventory --list`: the same
hosts, the same groups for each host (parents included) and the same merged vars."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from deskctl.executor.ansible_inventory import read_ansible_inventory

INI = """\
# hosts before any section are ungrouped
loner ansible_host=10.9.9.9
lb.example.com:2200 role=lb

[web]
web[01:04].example.com
web-[a:c] ansible_user=deploy tier='front' weight=3
edge[0:10:5] flag=True ports="[80, 443]"
loner

[db]
db-a ansible_host=127.0.0.3 ansible_port=2222 ansible_user=postgres
db-b
; a comment

[prod:children]
web
db
canary

[canary]
web01.example.com

[canary:vars]
ansible_group_priority=10
tier = canary

[web:vars]
tier=web
http_port=8080
note=two words here

[prod:vars]
tier=prod
env=production
ansible_user=ops

[all:vars]
env=everywhere
ntp = 'ntp.example.com'
"""

YAML = """\
all:
  vars:
    env: everywhere
    nested: {a: 1, b: [x, y]}
  hosts:
    jump:
      ansible_host: 10.0.0.1
  children:
    web:
      vars: {tier: web, http_port: 8080}
      hosts:
        web[1:3]:
        "web9:2201": {role: spare}
      children:
        web_eu:
          hosts:
            web1: {region: eu}
    db:
      hosts: db1
    prod:
      vars: {tier: prod}
      children:
        web:
        db:
other:
  hosts:
    web2: {extra: true}
empty:
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def ours(path: Path) -> dict:
    inv = read_ansible_inventory(path)
    return {"hosts": set(inv.hosts), "groups": {h: set(g) for h, g in inv.host_groups.items()},
            "vars": inv.host_vars}


def assert_same(path: Path, theirs: dict) -> None:
    mine = ours(path)
    assert mine["hosts"] == theirs["hosts"]
    for host in sorted(theirs["hosts"]):
        assert mine["groups"][host] == theirs["groups"][host], host
        assert mine["vars"][host] == theirs["vars"][host], host


GROUP_VARS = {
    "group_vars/all.yml": "env: from-group-vars-all\nshared: all\n",
    "group_vars/web.yml": "ansible_user: webadmin\nshared: web\n",
    "group_vars/prod/10-main.yml": "shared: prod\nfrom_prod_dir: 1\n",
    "group_vars/prod/20-more.yaml": "from_prod_dir: 2\n",
    "group_vars/prod/ignored.txt": "not: read\n",
    "group_vars/canary": "shared: canary\n",
    "group_vars/db.yml": "# nothing but a comment\n",
    "host_vars/db-a.yaml": "ansible_port: 2022\nshared: host\n",
    "host_vars/web01.example.com/main.yml": "shared: web01\n",
}


def test_ini_with_children_vars_and_ranges(ansible_inventory, tmp_path):
    write(tmp_path, {"hosts": INI})
    assert_same(tmp_path / "hosts", ansible_inventory.list(tmp_path / "hosts"))


def test_ini_with_group_vars_and_host_vars_beside_it(ansible_inventory, tmp_path):
    write(tmp_path, {"hosts.ini": INI, **GROUP_VARS})
    theirs = ansible_inventory.list(tmp_path / "hosts.ini")
    assert theirs["vars"]["db-a"]["ansible_port"] == 2022  # the test checks something real
    assert_same(tmp_path / "hosts.ini", theirs)


def test_yaml_inventory(ansible_inventory, tmp_path):
    write(tmp_path, {"inventory.yml": YAML, "group_vars/web_eu.yml": "tier: eu\n",
                     "host_vars/web2.yml": "extra: overridden\n"})
    assert_same(tmp_path / "inventory.yml", ansible_inventory.list(tmp_path / "inventory.yml"))


def test_directory_of_inventories_with_group_vars_and_host_vars(ansible_inventory, tmp_path):
    prod = tmp_path / "inventories" / "prod"
    write(prod, {
        "01-hosts.ini": INI,
        "02-more.yml": YAML,
        "03-plain": "[extra]\nextra1 x=1\n",
        "04-yaml-no-ext": "more:\n  hosts:\n    more1:\n      y: 2\n",
        "sub/05-nested.ini": "[nested]\nnested1\n",
        "README.md": "# not an inventory\n",
        "notes.txt": "not an inventory either\n",
        ".hidden": "[hidden]\nhidden1\n",
        "backup.ini.bak": "[bak]\nbak1\n",
        **GROUP_VARS,
    })
    assert_same(prod, ansible_inventory.list(prod))


@pytest.mark.parametrize("text", [
    "[a]\nh1\n[b]\nh1\n[a:vars]\nx=a\n[b:vars]\nx=b\n",  # same depth: by name
    "[z]\nh1\n[a]\nh1\n[z:vars]\nx=z\nansible_group_priority=5\n[a:vars]\nx=a\n",  # priority beats name
    "[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nh1 y=host\n[top:vars]\nx=top\ny=top\n[mid:vars]\nx=mid\n",
    "h0\n[g]\nh0\nh1\n[all:vars]\nx=1.5\ny=None\nz={'k': [1, 2]}\n",  # a host leaves ungrouped
])
def test_group_var_precedence(ansible_inventory, tmp_path, text):
    write(tmp_path, {"inv": text})
    assert_same(tmp_path / "inv", ansible_inventory.list(tmp_path / "inv"))


@pytest.mark.parametrize("text", [
    # quoting, Python literals and what stays text
    '[g]\nh1 a="two words" b=yes c=0x1F d=1e3 e=-5 f=\'q\' g={"k":1} h=None i=(1,2)\n',
    "[g:vars]\na = 1 # a comment\nb=text # not a comment here\nc=\n[g]\nh1\n",
    # a host named twice: its vars update, its first port stays
    "[a]\nh1:2201 x=1\n[b]\nh1:2202 x=2 y=3\n",
    "[ungrouped]\nh1\n[all:children]\nkids\n[kids]\nh2\n",
    "[web]\nn[A:C]\nm[08:10]\n",
    "",
])
def test_ini_values_and_corners(ansible_inventory, tmp_path, text):
    write(tmp_path, {"inv": text})
    assert_same(tmp_path / "inv", ansible_inventory.list(tmp_path / "inv"))


@pytest.mark.parametrize("text", [
    "all:\n  hosts:\n    solo:\n  children:\n    ungrouped:\n      hosts:\n        u1: {a: 1}\n",
    "web:\n  hosts: {w1: {a: 1}}\nweb2:\n  children: {web: {hosts: {w2: }}}\n  vars: {a: 2, ansible_group_priority: 3}\n",
    "g:\n  vars: {d: {x: 1}}\n  hosts:\n    h1: {d: {y: 2}}\n    'h2:2222':\n",
    "g:\n  hosts: h1\n",
])
def test_yaml_corners(ansible_inventory, tmp_path, text):
    write(tmp_path, {"inv.yaml": text})
    assert_same(tmp_path / "inv.yaml", ansible_inventory.list(tmp_path / "inv.yaml"))


def test_a_file_without_extension_is_yaml_when_it_reads_as_yaml_else_ini(ansible_inventory, tmp_path):
    # INI whose values would break a YAML parse, and INI that YAML reads as a plain string
    write(tmp_path / "a", {"hosts": '[web]\nweb1 note="a: b" other=\'x: [y\'\n'})
    assert_same(tmp_path / "a" / "hosts", ansible_inventory.list(tmp_path / "a" / "hosts"))
    write(tmp_path / "b", {"hosts": "solo1\n"})
    assert_same(tmp_path / "b" / "hosts", ansible_inventory.list(tmp_path / "b" / "hosts"))
    write(tmp_path / "c", {"hosts": "web:\n  hosts:\n    web1:\n"})
    assert_same(tmp_path / "c" / "hosts", ansible_inventory.list(tmp_path / "c" / "hosts"))


def test_a_vars_folder_named_like_a_file_is_read_as_a_folder(ansible_inventory, tmp_path):
    write(tmp_path, {"hosts": "[web]\nw1\n", "group_vars/web.yml/x.yml": "a: 1\n", "group_vars/web.yml/y": "b: 2\n",
                     "host_vars/w1/.hidden.yml": "c: 3\n", "host_vars/w1/sub/z.yaml": "d: 4\n"})
    theirs = ansible_inventory.list(tmp_path / "hosts")
    assert theirs["vars"]["w1"] == {"a": 1, "b": 2, "d": 4}
    assert_same(tmp_path / "hosts", theirs)
