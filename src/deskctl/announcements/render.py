"""Render an announcement version for a language and channel with the desk's templates.

Templates live in `templates/announcements/<kind>/<channel>.<lang>.j2` and run in Jinja2's
SandboxedEnvironment with StrictUndefined: a template that uses a name the kind does not
define fails, naming the template file and line. HTML parts (e-mail HTML, web) are rendered
with autoescaping on, text parts without.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from deskctl.announcements.fields import desk_zone, text_in
from deskctl.announcements.kinds import CLOSING_KIND, Kind, load_kinds
from deskctl.errors import BadInput
from deskctl.util import clock

TEMPLATE_CHANNELS: dict[str, tuple[str, ...]] = {
    "email": ("subject", "text", "html"),
    "sms": ("text",),
    "chat": ("text",),
    "web": ("title", "html"),
    "bulletin": ("title", "text"),
}
HTML_PARTS = {"html"}
# Names every template may use besides its kind's fields.
CONTEXT_NAMES = {
    "lang", "part", "kind", "closes", "id", "version", "updated", "notice", "ticket", "desk", "now",
    "default_language",
}


def templates_root(desk) -> Path:
    return desk.folder("templates") / "announcements"


def template_name(kind: str, channel: str, lang: str) -> str:
    return f"{kind}/{channel}.{lang}.j2"


@dataclass
class Rendered:
    language: str
    channel: str
    template: str  # desk-relative path of the template used
    parts: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    sms: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"language": self.language, "channel": self.channel, "template": self.template, "parts": self.parts}
        if self.sms is not None:
            data["sms"] = self.sms
        if self.warnings:
            data["warnings"] = self.warnings
        return data


def template_location(exc: BaseException, root: Path) -> tuple[str, int] | None:
    """The innermost template frame of a rendering error: (file, line)."""
    found = None
    tb = exc.__traceback__
    for _ in range(10_000):  # bounded walk down the traceback
        if tb is None:
            break
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") and Path(filename).is_relative_to(root):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _private_folder(path: str) -> str | None:
    """`path` as a folder only this user can enter (mode 0700, owned by us, not a symlink),
    or None when it cannot be made so: compiled templates are code, and a folder someone
    else can write would let them change what every render says."""
    import stat

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return None
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(path, 0o700)
            if stat.S_IMODE(os.lstat(path).st_mode) != 0o700:
                return None
    except OSError:  # a read-only home: compile every time
        return None
    return path


class InLanguage(str):
    """Text in another language than the one rendered (a free-text field without a translation,
    shown in the default language): HTML output marks it with its `lang`, so screen readers
    pronounce it right; plain text shows it as it is."""

    lang: str

    def __new__(cls, text: str, lang: str):
        value = super().__new__(cls, text)
        value.lang = lang
        return value


def mark_language(value):
    """Jinja `finalize` of the HTML environment: `<span lang="..">` around `InLanguage`."""
    if isinstance(value, InLanguage):
        from markupsafe import Markup, escape

        return Markup('<span lang="%s">%s</span>') % (value.lang, escape(str(value)))
    return value


def environment_flavour(env) -> str:
    """What a compiled template depends on besides its source: the same template compiled
    with autoescaping (HTML) and without (text) is different code, and so are other
    delimiters, whitespace rules, a sandbox or another Jinja version."""
    import jinja2

    options = [
        type(env).__module__, type(env).__qualname__, jinja2.__version__, bool(env.autoescape),
        env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.newline_sequence,
        env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix, env.optimized, env.finalize is not None,
        sorted(env.extensions), sorted(env.filters), sorted(env.tests),
    ]
    return hashlib.sha256(repr(options).encode("utf-8")).hexdigest()


def _bytecode_cache(env):
    """Compiled templates kept in deskctl's cache folder, or None when there is no private
    folder for them. Compiling is most of the cost of a render (loading a compiled template
    is about 20 times faster). HTML and text environments each get their own folder and
    keys (see `environment_flavour`): an HTML render never runs code compiled for text,
    whichever compiled first. Jinja uses a cached file only if it was compiled from the same
    source, so an edited template is never missed."""
    from jinja2 import FileSystemBytecodeCache

    from deskctl.util.cache import cache_dir

    flavour = environment_flavour(env)
    root = _private_folder(os.path.join(cache_dir(), "jinja2-bytecode"))
    folder = root and _private_folder(os.path.join(root, "html" if env.autoescape else "text"))
    if folder is None:
        return None

    class FlavouredBytecodeCache(FileSystemBytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            text = f"{flavour}|{name}|{filename}"
            return hashlib.sha256(text.encode("utf-8")).hexdigest()

    return FlavouredBytecodeCache(folder, "%s.jinja")


class Renderer:
    """One per process: holds the two Jinja environments and the desk's kinds."""

    def __init__(self, desk):
        self.desk = desk
        self.config = desk.config
        self.root = templates_root(desk)
        self.kinds: dict[str, Kind] = load_kinds(self.config)
        self.zone = desk_zone(self.config)
        self.default_language = str(self.config.get("default_language") or "en")
        self._envs: dict[bool, Any] = {}

    def env(self, html: bool):
        if html not in self._envs:
            from jinja2 import FileSystemLoader, StrictUndefined
            from jinja2.sandbox import SandboxedEnvironment

            from deskctl.announcements.localefmt import make_filters

            env = SandboxedEnvironment(
                loader=FileSystemLoader(str(self.root)),
                undefined=StrictUndefined,
                autoescape=html,
                trim_blocks=True,
                lstrip_blocks=True,
                # HTML: a value in another language than the page says so (lang attribute)
                finalize=mark_language if html else None,
            )
            env.filters.update(make_filters(self.zone))
            env.bytecode_cache = _bytecode_cache(env)
            self._envs[html] = env
        return self._envs[html]

    def rel(self, path: Path | str) -> str:
        return self.desk.rel(path)

    def find_template(self, kind: str, channel: str, lang: str) -> tuple[str, list[str]]:
        """The template to use and any fallback warning."""
        name = template_name(kind, channel, lang)
        if (self.root / name).is_file():
            return name, []
        fallback = template_name(kind, channel, self.default_language)
        if (self.root / fallback).is_file():
            return fallback, [
                f"{self.rel(self.root / name)} is missing; the {channel} {lang} text uses the "
                f"{self.default_language} template"
            ]
        raise BadInput(
            f"{self.rel(self.root / name)}: template missing (and no {self.default_language} template to fall back on)",
            "add it, or run `deskctl config check` to list every missing template",
        )

    def context(self, record: dict, version: dict, lang: str) -> tuple[dict[str, Any], list[str]]:
        """Template variables for one version in one language, with fallback warnings."""
        kind = self.kinds.get(version.get("template_kind") or record["kind"])
        if kind is None:
            raise BadInput(f"{record['id']}: unknown kind {record['kind']!r}", "add it back under announcements.kinds")
        warnings = []
        values: dict[str, Any] = {}
        stored = version.get("fields") or {}
        for name in kind.field_names:
            spec = kind.fields.get(name)
            value = stored.get(name)
            if spec is not None and spec.type == "text":
                value, fell_back = text_in(value, lang, self.default_language)
                if fell_back:
                    warnings.append(f"{record['id']}: {name} has no {lang} text; using the {self.default_language} text")
                    if value is not None:
                        value = InLanguage(value, self.default_language)
            elif spec is not None and spec.type == "datetime" and value:
                value = datetime.fromisoformat(value)
            values[name] = value
        # a closing or cancellation notice ends the announcement of kind `closes`
        closing = version.get("notice") in ("closing", "cancellation")
        desk = self.config.get("desk") or {}
        values.update(
            lang=lang,
            kind=record["kind"],
            closes=record["kind"] if closing else None,
            id=record["id"],
            version=version["version"],
            updated=version["version"] > 1 and not closing,
            notice=version.get("notice", "announcement"),
            ticket=record.get("ticket"),
            desk={"name": desk.get("name", ""), "email": desk.get("email", ""), "phone": desk.get("phone", "")},
            now=clock.now(),
            default_language=self.default_language,
        )
        return values, warnings

    def render(self, record: dict, version: dict, lang: str, channel: str) -> Rendered:
        """Every part of one channel in one language; BadInput names file:line on failure."""
        if channel not in TEMPLATE_CHANNELS:
            raise BadInput(f"unknown channel {channel!r}", f"choose one of: {', '.join(TEMPLATE_CHANNELS)}")
        kind_name = version.get("template_kind") or record["kind"]
        name, warnings = self.find_template(kind_name, channel, lang)
        # a fallback template is in the default language: its dates and labels must be too
        shown = lang if not warnings else self.default_language
        values, field_warnings = self.context(record, version, shown)
        parts = {}
        from deskctl.announcements.typography import polish

        for part in TEMPLATE_CHANNELS[channel]:
            text = self._render_part(name, {**values, "part": part}, part in HTML_PARTS).strip()
            parts[part] = polish(shown, text)
        if "subject" in parts or "title" in parts:
            key = "subject" if "subject" in parts else "title"
            parts[key] = " ".join(parts[key].split())  # a header is one line
        result = Rendered(lang, channel, self.rel(self.root / name), parts, warnings + field_warnings)
        if channel == "sms":
            from deskctl.announcements.sms import measure, plain

            parts["text"] = plain(parts["text"])
            info = measure(parts["text"])
            result.sms = info.to_dict()
            limit = int((self.config.get("announcements") or {}).get("sms_max_segments") or 0)
            if limit and info.segments > limit:
                result.warnings.append(
                    f"{result.template}: the {lang} SMS takes {info.segments} {info.encoding} segments "
                    f"({info.units} units), over announcements.sms_max_segments={limit}; shorten it"
                )
        return result

    def _render_part(self, name: str, values: dict[str, Any], html: bool) -> str:
        from jinja2 import TemplateError, TemplateSyntaxError

        try:
            return self.env(html).get_template(name).render(values)
        except TemplateSyntaxError as exc:
            where = self.rel(exc.filename or self.root / name)
            raise BadInput(f"{where}:{exc.lineno}: template syntax error: {exc.message}", "fix the template") from None
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            location = template_location(exc, self.root)
            where = f"{self.rel(location[0])}:{location[1]}" if location else self.rel(self.root / name)
            message = getattr(exc, "message", None) or str(exc)
            kind = self.kinds.get(name.split("/", 1)[0])
            hint = f"the {kind.name} fields are: {', '.join(kind.field_names)}" if kind else "fix the template"
            raise BadInput(f"{where}: {message}", hint) from None

    def render_version(self, record: dict, version: dict, languages: list[str], channels: list[str]) -> list[Rendered]:
        return [self.render(record, version, lang, ch) for lang in languages for ch in channels]


def closing_kind() -> str:
    return CLOSING_KIND
