"""Built-in `check_desk`: the desk's core configuration and the syntax of every YAML,
Markdown front matter and Jinja2 template file. Features add deeper checks of their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskctl.desk import Desk, yamlio
from deskctl.errors import BadInput
from deskctl.hookspecs import hookimpl


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def check_core_config(desk: Desk) -> list[str]:
    """The file's syntax, then every key against the one schema (`deskctl.desk.config_schema`),
    then what the schema cannot see: the default language among the languages."""
    path = desk.config_file
    label = desk.rel(path)
    try:
        data = yamlio.load(path, label, use_cache=False)
    except BadInput as exc:
        return [exc.message]
    if data is None:
        return []
    if not isinstance(data, dict):
        return [f"{label}:1: expected a mapping of settings, got {_type_name(data)}"]
    try:
        config = desk.config  # lenient under `config check`: issues are collected, not raised
    except BadInput as exc:
        return [exc.message]
    problems = [desk.issue_text(issue) for issue in getattr(desk, "config_issues", [])]
    languages = config.get("languages")
    if isinstance(languages, list) and config.get("default_language") not in languages:
        problems.append(desk.issue_text((("default_language",), f"default_language {config.get('default_language')!r} "
                                         f"is not one of languages {languages}", True)))
    return problems


def check_yaml_syntax(desk: Desk, files: list[Path]) -> list[str]:
    problems = []
    for path in files:
        try:
            yamlio.load(path, desk.rel(path), use_cache=False)
        except BadInput as exc:
            problems.append(exc.message)
    return problems


def check_front_matter(desk: Desk, files: list[Path]) -> list[str]:
    problems = []
    for path in files:
        label = desk.rel(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        if not text.startswith("---"):
            problems.append(f"{label}:1: missing front matter (start the file with a --- header)")
            continue
        end = text.find("\n---", 3)
        if end < 0:
            problems.append(f"{label}:1: front matter is not closed by a --- line")
            continue
        try:
            meta = yamlio.parse_text(text[3:end], label)
        except BadInput as exc:
            # the header starts on line 2 of the file
            file, _, rest = exc.message.partition(":")
            line, _, msg = rest.partition(":")
            problems.append(f"{file}:{int(line) + 1 if line.isdigit() else 1}:{msg}")
            continue
        if not isinstance(meta, dict):
            problems.append(f"{label}:2: front matter must be a mapping (id: ..., title: ...)")
    return problems


def check_templates(desk: Desk, files: list[Path]) -> list[str]:
    if not files:
        return []
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment()
    problems = []
    for path in files:
        try:
            env.parse(path.read_text(encoding="utf-8"))
        except TemplateSyntaxError as exc:
            problems.append(f"{desk.rel(path)}:{exc.lineno}: template syntax error: {exc.message}")
        except UnicodeDecodeError:
            problems.append(f"{desk.rel(path)}:1: not UTF-8 text")
    return problems


def _glob(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.rglob(pattern)) if folder.is_dir() else []


@hookimpl(trylast=True)
def check_desk(desk: Desk) -> list[str]:
    problems = check_core_config(desk)
    yaml_files = [desk.path / "config" / "inventory.yaml"]
    yaml_files = [p for p in yaml_files if p.is_file()]
    for folder in ("sops", "kb"):
        yaml_files += _glob(desk.folder(folder), "*.yaml") + _glob(desk.folder(folder), "*.yml")
    problems += check_yaml_syntax(desk, yaml_files)
    problems += check_front_matter(desk, _glob(desk.folder("kb"), "*.md"))
    problems += check_templates(desk, _glob(desk.folder("templates"), "*.j2"))
    return problems
