"""Reading a rendered page the way a user sees a form: the values in its fields and the error
message shown next to each field (GOV.UK markup: <p id="FIELD-error" class="govuk-error-message">)."""

import re
from html import unescape
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values = {}  # name -> value, or a list for repeated names (date parts, checkboxes)
        self.errors = {}  # id of the field -> message
        self._textarea = None
        self._select = None
        self._error_id = None
        self._error_text = []

    def _add(self, name, value):
        if name in self.values:
            if not isinstance(self.values[name], list):
                self.values[name] = [self.values[name]]
            self.values[name].append(value)
        else:
            self.values[name] = value

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._add(name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "p" and "govuk-error-message" in (attrs.get("class") or "") and attrs.get("id"):
            self._error_id = attrs["id"].removesuffix("-error")
            self._error_text = []

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "p" and self._error_id:
            text = " ".join("".join(self._error_text).split())
            self.errors[self._error_id] = text.removeprefix("Error:").strip()
            self._error_id = None

    def handle_data(self, data):
        if self._textarea:
            # The first newline after <textarea> is not part of the value (HTML parsing rules).
            self.values[self._textarea] += data.removeprefix("\n") if not self.values[self._textarea] else data
        if self._error_id:
            self._error_text.append(data)


def read_form(html):
    """(values, errors) of the page's form fields."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.values, reader.errors


def field_values(html):
    return read_form(html)[0]


def field_errors(html):
    """{field id: the message shown next to it}."""
    return read_form(html)[1]


def error_summary(html):
    """The messages listed in the error summary at the top of the page."""
    match = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.DOTALL)
    if not match:
        return []
    items = re.findall(r"<a [^>]*>(.*?)</a>", match.group(1), re.DOTALL)
    return [" ".join(unescape(text).split()) for text in items]


def version_field(html):
    match = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    assert match, "no version field on the page"
    return match.group(1)


def date_boxes(day):
    """A date as a GOV.UK date input posts it: [day, month, year], as typed (blank for none)."""
    return [str(day.day), str(day.month), str(day.year)] if day else ["", "", ""]
