"""`deskctl config check` for announcements: the config sections they read, and the
templates: syntax, one template per kind x channel x language, names a template uses that
its kind does not define, and a trial render of each with sample data (all fields, then only
the required ones) so a template that would fail on a real announcement fails here first.
Every problem is `file:line: message`."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from deskctl.announcements.kinds import FIELD_TYPES, Kind, catalogue_for
from deskctl.announcements.render import CONTEXT_NAMES, TEMPLATE_CHANNELS, Renderer, templates_root
from deskctl.desk import yamlio
from deskctl.errors import BadInput
from deskctl.util import clock

JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace"}
LAYOUT_NAMES = {"t", "section"}  # the layouts import these for the kinds' templates
STATUSPAGE_NAMES = {"lang", "languages", "now", "current", "recent", "desk", "base_url", "updated", "tag"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _languages(config: dict) -> list[str]:
    return [str(x) for x in config.get("languages") or ["en"]]


class _Reporter:
    def __init__(self, desk):
        self.desk = desk
        self.label = desk.rel(desk.config_file)
        self.lines = yamlio.line_index(desk.config_file) if desk.config_file.is_file() else {}
        self.problems: list[str] = []

    def config(self, keypath: tuple, message: str) -> None:
        line = self.lines.get(keypath)
        for cut in range(len(keypath) - 1, 0, -1):  # the nearest key that exists
            if line is not None:
                break
            line = self.lines.get(keypath[:cut])
        self.problems.append(f"{self.label}:{line or 1}: {message}")


def check_config(desk) -> list[str]:
    report = _Reporter(desk)
    languages = _languages(desk.config)
    # without the values the schema rejected (config_schema): each is reported once, there
    config = getattr(desk, "checked_file_config", desk.file_config)
    config = config if isinstance(config, dict) else {}
    roles = config.get("roles")
    if roles is not None:
        if not isinstance(roles, dict):
            report.config(("roles",), "roles must map a role to a list of names, e.g. manager: [alice, bob]")
        else:
            for role, members in roles.items():
                if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                    report.config(("roles", role), f"roles.{role} must be a list of names")
    section = config.get("announcements") or {}
    if isinstance(section, dict):
        _check_recipients(report, section.get("recipients"), languages)
        _check_approvals(report, section.get("approvals"))
        _check_kinds(report, section, desk.config)
    channels = config.get("channels")
    if channels is not None:
        if not isinstance(channels, dict):
            report.config(("channels",), "channels must be a mapping of channel name -> settings")
        else:
            _check_channels(report, channels)
    return report.problems


def _check_recipients(report: _Reporter, recipients: Any, languages: list[str]) -> None:
    if recipients is None:
        return
    if not isinstance(recipients, dict):
        report.config(("announcements", "recipients"), "announcements.recipients must map a language to a list of addresses")
        return
    for lang, value in recipients.items():
        path = ("announcements", "recipients", lang)
        if lang not in languages:
            report.config(path, f"announcements.recipients: {lang!r} is not one of the desk's languages ({', '.join(languages)})")
        lists = value.items() if isinstance(value, dict) else [(None, value)]
        for name, addresses in lists:
            where = path + ((name,) if name is not None else ())
            if not isinstance(addresses, list) or not addresses:
                report.config(where, f"announcements.recipients.{lang}{'.' + str(name) if name else ''} must be a list of e-mail addresses")
                continue
            bad = [str(a) for a in addresses if not isinstance(a, str) or not EMAIL.match(a)]
            if bad:
                report.config(where, f"not an e-mail address: {', '.join(bad)}")


def _check_approvals(report: _Reporter, approvals: Any) -> None:
    if approvals is None:
        return
    if not isinstance(approvals, dict):
        report.config(("announcements", "approvals"), "announcements.approvals must map a severity to a list of alternatives")
        return
    for severity, alternatives in approvals.items():
        path = ("announcements", "approvals", severity)
        if severity not in ("minor", "major"):
            report.config(path, f"unknown severity {severity!r} (minor, major)")
        if not isinstance(alternatives, list) or not alternatives:
            report.config(path, f"announcements.approvals.{severity} must be a list like [{{manager: 2}}, {{head: 1}}]")
            continue
        for alt in alternatives:
            if not isinstance(alt, dict) or not alt or not all(isinstance(n, int) and n > 0 for n in alt.values()):
                report.config(path, f"announcements.approvals.{severity}: {alt!r} must map a role to a number of approvers above 0")


def _check_kinds(report: _Reporter, section: dict, effective: dict) -> None:
    fields = section.get("fields")
    if fields is not None:
        if not isinstance(fields, dict):
            report.config(("announcements", "fields"), "announcements.fields must map a field name to its type")
        else:
            for name, spec in fields.items():
                kind = spec.get("type") if isinstance(spec, dict) else spec
                if kind not in FIELD_TYPES:
                    report.config(("announcements", "fields", name), f"field {name}: type {kind!r} is not one of {', '.join(FIELD_TYPES)}")
    kinds = section.get("kinds")
    if kinds is None:
        return
    if not isinstance(kinds, dict):
        report.config(("announcements", "kinds"), "announcements.kinds must map a kind name to {required: [...], optional: [...]}")
        return
    catalogue = catalogue_for(effective)
    for name, spec in kinds.items():
        if not isinstance(spec, dict):
            report.config(("announcements", "kinds", name), f"kind {name} must be a mapping (required: [...], optional: [...])")
            continue
        for key in ("required", "optional"):
            listed = spec.get(key, [])
            if not isinstance(listed, list):
                report.config(("announcements", "kinds", name, key), f"kind {name}: {key} must be a list of field names")
                continue
            unknown = [f for f in listed if f not in catalogue]
            if unknown:
                report.config(("announcements", "kinds", name, key),
                              f"kind {name}: unknown field(s) {', '.join(map(str, unknown))} (declare them under announcements.fields)")


def _check_channels(report: _Reporter, channels: dict) -> None:
    smtp = channels.get("smtp")
    if isinstance(smtp, dict):
        if "port" in smtp and (not isinstance(smtp["port"], int) or not 0 < smtp["port"] < 65536):
            report.config(("channels", "smtp", "port"), f"channels.smtp.port {smtp['port']!r} is not a port number")
        for flag in ("starttls", "ssl"):
            if flag in smtp and not isinstance(smtp[flag], bool):
                report.config(("channels", "smtp", flag), f"channels.smtp.{flag} must be true or false")
        if "host" in smtp and not isinstance(smtp["host"], str):
            report.config(("channels", "smtp", "host"), "channels.smtp.host must be a host name")
        if "password" in smtp:
            report.config(("channels", "smtp", "password"),
                          "channels.smtp.password keeps a secret in the config file; use password_env: VARIABLE instead")
    webhook = channels.get("webhook")
    if isinstance(webhook, dict) and "url" in webhook and not str(webhook["url"]).startswith(("http://", "https://")):
        report.config(("channels", "webhook", "url"), f"channels.webhook.url {webhook['url']!r} must start with http:// or https://")
    statuspage = channels.get("statuspage")
    if isinstance(statuspage, dict) and statuspage.get("base_url") is not None:
        from urllib.parse import urlsplit

        # the feed's links: a javascript: or data: URL there would run in a reader's page
        url = str(statuspage["base_url"])
        parts = urlsplit(url)
        rooted = url.startswith("/") and not url.startswith("//")
        if not rooted and (parts.scheme not in ("http", "https") or not parts.hostname):
            report.config(("channels", "statuspage", "base_url"),
                          f"channels.statuspage.base_url {url!r} must be an absolute http(s) URL or a path "
                          "from the site's root, e.g. https://status.example.com/ or /status/ "
                          "(or leave it out: links are then relative)")
    sms = channels.get("sms")
    if isinstance(sms, dict):
        from deskctl.plugins.builtin.channels import SmsChannel

        for problem in SmsChannel().config_problems(sms, languages=_languages(report.desk.config)):
            report.config(("channels", "sms", problem.key), problem.message)
    for name in ("smtp", "webhook", "statuspage", "file", "sms"):
        if name in channels and not isinstance(channels[name], dict):
            report.config(("channels", name), f"channels.{name} must be a mapping of settings")


def _static_problems(env, path: Path, rel: str, allowed: set[str]) -> list[str]:
    from jinja2 import TemplateSyntaxError, meta, nodes

    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [f"{rel}:1: not UTF-8 text"]
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [f"{rel}:{exc.lineno}: template syntax error: {exc.message}"]
    unknown = sorted(meta.find_undeclared_variables(tree) - allowed)
    problems = _unescaped(tree, rel)
    for name in unknown:
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name and n.ctx == "load"), 1)
        problems.append(f"{rel}:{line}: unknown field {name!r} (this template may use: {', '.join(sorted(allowed - JINJA_GLOBALS - CONTEXT_NAMES - LAYOUT_NAMES))})")
    return problems


def _unescaped(tree, rel: str) -> list[str]:
    """`|safe` and `{% autoescape false %}` turn escaping off: a field shown through them
    reaches the HTML e-mail, the status page and the feed as markup."""
    from jinja2 import nodes

    problems = [
        f"{rel}:{node.lineno}: `|safe` shows a value unescaped in HTML outputs; remove it (values are escaped for you)"
        for node in tree.find_all(nodes.Filter) if node.name == "safe"
    ]
    for node in tree.find_all((nodes.EvalContextModifier, nodes.ScopedEvalContextModifier)):
        for option in node.options:
            if option.key == "autoescape" and not (isinstance(option.value, nodes.Const) and option.value.value):
                problems.append(f"{rel}:{node.lineno}: `autoescape false` shows values unescaped in HTML outputs; remove it")
    return problems


def _sample(kind: Kind, config: dict, full: bool) -> dict[str, Any]:
    services = [str(s) for s in (config.get("tickets") or {}).get("services") or ["mail", "calendar"]][:2]
    start = clock.now().replace(hour=21, minute=0, second=0, microsecond=0) + timedelta(days=1)
    values: dict[str, Any] = {}
    for name in kind.field_names if full else kind.required:
        spec = kind.fields.get(name)
        if spec is None:
            continue
        values[name] = {
            "services": services,
            "datetime": (start + timedelta(hours=4) if name == "end" else start).isoformat(),
            "text": f"sample {name}",
            "string": f"sample {name}",
            "choice": spec.choices[-1] if spec.choices else "",
            "languages": _languages(config),
        }[spec.type]
    return values


def _fingerprint(desk, root: Path) -> list:
    """What the template check depends on: every template file, the settings it reads,
    deskctl's own code and the installed libraries (Babel data, Jinja2)."""
    import hashlib

    from deskctl import __version__
    from deskctl.util import cache

    files = [[str(p), p.stat().st_mtime_ns, p.stat().st_size] for p in sorted(root.rglob("*.j2"))]
    code = [[p.name, p.stat().st_mtime_ns] for p in sorted(Path(__file__).parent.glob("*.py"))]
    config = desk.config
    settings = {k: config.get(k) for k in ("languages", "default_language", "timezone", "announcements", "desk")}
    settings["services"] = (config.get("tickets") or {}).get("services")
    digest = hashlib.sha256(json_dumps(settings).encode()).hexdigest()
    return [__version__, str(root), digest, files, code, cache.installed_fingerprint()]


def json_dumps(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


def check_templates(desk) -> list[str]:
    """The template problems; the answer is cached until a template, the settings it reads
    or deskctl itself change (parsing and trial-rendering 140 templates takes a second)."""
    from deskctl.util import cache

    root = templates_root(desk)
    if not root.is_dir():
        return _check_templates(desk, root)
    key = _fingerprint(desk, root)
    name = "announcement-check-" + hashlib_name(str(root))
    hit = cache.read(name, key)
    if isinstance(hit, list):
        return hit
    problems = _check_templates(desk, root)
    cache.write(name, key, problems)
    return problems


def hashlib_name(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _check_templates(desk, root: Path) -> list[str]:
    if not root.is_dir():
        return [f"{desk.rel(root)}: missing: announcement templates are needed for every kind, channel and language"]
    renderer = Renderer(desk)
    env = renderer.env(False)
    kinds = renderer.kinds
    languages = _languages(desk.config)
    problems: list[str] = []
    common = set.intersection(*(set(k.field_names) for k in kinds.values())) if kinds else set()
    broken: set[str] = set()
    for path in sorted(root.rglob("*.j2")):
        rel_to_root = path.relative_to(root).as_posix()
        folder = rel_to_root.split("/", 1)[0]
        if folder == "_statuspage":
            allowed = STATUSPAGE_NAMES | JINJA_GLOBALS
        elif folder.startswith("_"):
            allowed = common | CONTEXT_NAMES | JINJA_GLOBALS | {"title"}
        elif folder in kinds:
            allowed = set(kinds[folder].field_names) | CONTEXT_NAMES | LAYOUT_NAMES | JINJA_GLOBALS
        else:
            problems.append(f"{desk.rel(path)}:1: no announcement kind {folder!r} (kinds: {', '.join(kinds)})")
            continue
        found = _static_problems(env, path, desk.rel(path), allowed)
        if found:
            broken.add(rel_to_root)
            problems += found
    for lang in languages:
        if not (root / "_i18n" / f"{lang}.j2").is_file():
            problems.append(f"{desk.rel(root / '_i18n' / (lang + '.j2'))}: missing: the labels the layouts use in {lang}")
    for kind in kinds.values():
        for channel in TEMPLATE_CHANNELS:
            for lang in languages:
                name = f"{kind.name}/{channel}.{lang}.j2"
                if not (root / name).is_file():
                    problems.append(f"{desk.rel(root / name)}: missing: every kind needs a template per channel and language")
                elif name not in broken:
                    problems += _trial_render(renderer, kind, channel, lang, desk.config)
    return problems


def _trial_render(renderer: Renderer, kind: Kind, channel: str, lang: str, config: dict) -> list[str]:
    cases = [(True, None), (False, None)]
    if kind.name in ("resolved", "cancelled"):
        cases += [(True, "unplanned-outage"), (True, "planned-maintenance")]
    problems = []
    for full, closes in cases:
        record = {"id": "ANN-0000", "kind": closes or kind.name, "ticket": "INC-0001" if full else None}
        version = {"version": 1, "fields": _sample(kind, config, full)}
        if closes:
            version.update(notice="closing" if kind.name == "resolved" else "cancellation", template_kind=kind.name)
        try:
            renderer.render(record, version, lang, channel)
        except BadInput as exc:
            problems.append(f"{exc.message} (trial render with {'all fields' if full else 'only the required fields'})")
            break
    return problems


def check_announcements(desk) -> list[str]:
    return check_config(desk) + check_templates(desk)
