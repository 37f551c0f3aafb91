"""Ticket bucket files: 16 tickets in a new store; stores made with 64-ticket buckets keep
them. meta.json records the size; without a readable meta.json the files tell it."""

from __future__ import annotations

import json
from pathlib import Path


def tickets_dir(desk: Path) -> Path:
    return desk / "data" / "tickets"


def bucket_numbers(path: Path, prefix: str) -> list[int]:
    return sorted(int(n) for n in json.loads(path.read_text())[prefix])


def make_legacy(desk: Path) -> None:
    """Rewrite a store as deskctl wrote it before 16-ticket buckets: 64 per file, and no
    `bucket` in meta.json."""
    root = tickets_dir(desk)
    for folder in ("hot", "archive"):
        for prefix_dir in (root / folder).glob("*") if (root / folder).is_dir() else ():
            merged: dict[int, dict] = {}
            for path in prefix_dir.glob("*.json"):
                for number, doc in json.loads(path.read_text())[prefix_dir.name].items():
                    merged.setdefault(int(number) // 64, {})[number] = doc
                path.unlink()
            for file_no, docs in merged.items():
                (prefix_dir / f"{file_no:04d}.json").write_text(json.dumps({prefix_dir.name: docs}))
    meta = json.loads((root / "meta.json").read_text())
    meta.pop("bucket")
    (root / "meta.json").write_text(json.dumps(meta))


def test_a_new_store_keeps_16_tickets_per_bucket_and_says_so(desk, drun):
    drun("demo", "seed", "--tickets", "300", "--days", "30", "--seed", "5")
    created = drun("ticket", "create", "--title", "after the seed", "--json").json()["id"]
    root = tickets_dir(desk)
    assert json.loads((root / "meta.json").read_text())["bucket"] == 16
    for path in (root / "hot").glob("*/*.json"):
        numbers = bucket_numbers(path, path.parent.name)
        assert {n // 16 for n in numbers} == {int(path.stem)}, path
    prefix, number = created.split("-")
    assert int(number) in bucket_numbers(root / "hot" / prefix / f"{int(number) // 16:04d}.json", prefix)
    assert drun("store", "check").code == 0


def test_a_store_with_64_ticket_buckets_keeps_working_with_them(desk, drun):
    ids = [drun("ticket", "create", "--title", f"t{i}", "--json").json()["id"] for i in range(20)]
    make_legacy(desk)
    prefix = ids[0].split("-")[0]
    assert drun("ticket", "show", ids[17]).code == 0
    assert drun("ticket", "comment", ids[17], "--text", "still here").code == 0
    shown = drun("ticket", "show", ids[17], "--json").json()
    assert shown["history"][-1]["note"] == "still here"
    new = drun("ticket", "create", "--title", "one more", "--json").json()["id"]
    root = tickets_dir(desk)
    assert sorted(p.name for p in (root / "hot" / prefix).glob("*.json")) == ["0000.json"]
    assert int(new.split("-")[1]) in bucket_numbers(root / "hot" / prefix / "0000.json", prefix)
    assert "bucket" not in json.loads((root / "meta.json").read_text())
    assert drun("store", "check").code == 0


def test_without_meta_json_the_files_tell_the_bucket_size(desk, drun):
    ids = [drun("ticket", "create", "--title", f"t{i}", "--json").json()["id"] for i in range(70)]
    make_legacy(desk)
    meta = tickets_dir(desk) / "meta.json"
    meta.write_text("{damaged")
    assert drun("ticket", "show", ids[66]).code == 0  # INC-67 lives in 0001.json of 64
    repaired = drun("store", "check", "--repair")
    assert repaired.code == 0, repaired
    assert json.loads(meta.read_text())["bucket"] == 64
    assert drun("ticket", "show", ids[66], "--json").json()["id"] == ids[66]
    assert drun("store", "check").code == 0


def test_a_small_64_bucket_store_without_meta_json_is_not_taken_for_a_new_one(desk, drun):
    """Under 64 tickets everything is in 0000.json: the numbers 16..63 there tell the size."""
    ids = [drun("ticket", "create", "--title", f"t{i}", "--json").json()["id"] for i in range(20)]
    make_legacy(desk)
    (tickets_dir(desk) / "meta.json").unlink()
    assert drun("ticket", "show", ids[18], "--json").json()["id"] == ids[18]
    assert drun("store", "check", "--repair").code == 0
    assert json.loads((tickets_dir(desk) / "meta.json").read_text())["bucket"] == 64
