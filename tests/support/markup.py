"""Parsing deskctl's HTML and XML outputs in tests: which elements and attributes a document
really has (so an injected `<img onerror=...>` is found however it is spelled) and its text
with every entity decoded (so an escaped value can be compared with what was written)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

# A payload for every field: an element with an event handler, an attribute break-out with
# a script, the end of a CDATA section, an entity that must stay as typed, and a bare "&".
PAYLOAD = "<img src=x onerror=alert(1)> \"><script>alert(2)</script> ]]> &amp; & 'q'"
# Elements the templates use: anything else in a document was injected.
FORBIDDEN_TAGS = {"img", "script", "iframe", "object", "embed", "svg:script", "form", "input"}


class Parsed(HTMLParser):
    """Every start tag with its attributes, and the text of the document (entities decoded,
    script and style contents included so an injected script shows up in `tags`)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def assert_nothing_injected(markup: str, where: str) -> Parsed:
    """The document parses with no forbidden element and no event-handler attribute."""
    parsed = Parsed(markup)
    for tag, attrs in parsed.tags:
        assert tag not in FORBIDDEN_TAGS, f"{where}: injected <{tag} {attrs}>"
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"{where}: injected attribute(s) {handlers} on <{tag}>"
        # a value that broke out of its attribute leaves a stray `"` or `<` as an attribute name
        odd = [name for name in attrs if not name.replace("-", "").replace(":", "").isalnum()]
        assert not odd, f"{where}: stray attribute(s) {odd} on <{tag}>"
    return parsed


def parse_xml(text: str, where: str) -> ET.Element:
    """The document as XML (fails on anything not well-formed), with no forbidden element."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise AssertionError(f"{where}: not well-formed XML: {exc}") from None
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        assert local not in FORBIDDEN_TAGS, f"{where}: injected <{local}>"
        assert not [a for a in element.attrib if a.startswith("on")], f"{where}: injected attribute on <{local}>"
    return root
