"""Finding every form the app offers, and filling it in: the pages are walked from app.url_map,
each page's POST forms are read (fields, their kinds, the options offered), and answers are made
from them the way a browser would send them."""

from html.parser import HTMLParser
from types import SimpleNamespace

from werkzeug.datastructures import MultiDict

from tests.security.routes import rules, urls_of

TEXT_KINDS = {"text", "email", "search", "tel", "url", "number", "password", None}
# Forms that are not data entry, or that would end the walking user's own session.
SKIPPED_ACTIONS = ("/auth/logout",)
DESTRUCTIVE = ("/remove", "/decision")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None
        # Fields outside their form, joined to it by a form="<id>" attribute (HTML5).
        self._by_id = {}
        self._outside = []

    def _add(self, attrs, field):
        owner = attrs.get("form")
        if owner:
            self._outside.append((owner, field))
        elif self._form is not None:
            self._form.fields.append(field)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = SimpleNamespace(action=attrs.get("action"), fields=[])
            self.forms.append(self._form)
            if attrs.get("id"):
                self._by_id[attrs["id"]] = self._form
        if tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select.options.append(value)
            if "selected" in attrs or self._select.value is None:
                self._select.value = value
        if self._form is None and not attrs.get("form"):
            return
        name = attrs.get("name")
        field = SimpleNamespace(
            name=name, kind=tag, value="", checked=False, id=attrs.get("id"), inputmode=attrs.get("inputmode")
        )
        if tag == "input" and name:
            field.kind = (attrs.get("type") or "text").lower()
            if field.kind in ("submit", "button", "image", "reset", "file"):
                return
            field.value, field.checked = attrs.get("value", "on"), "checked" in attrs
            self._add(attrs, field)
        elif tag == "textarea" and name:
            self._textarea = field
            self._add(attrs, field)
        elif tag == "select" and name:
            field.value, field.options = None, []
            self._select = field
            self._add(attrs, field)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def close(self):
        super().close()
        for owner, field in self._outside:
            if owner in self._by_id:
                self._by_id[owner].fields.append(field)


def post_forms(html):
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return [form for form in parser.forms if form.action not in SKIPPED_ACTIONS]


def current_form(client, url, action, form):
    """The form as its page shows it now (a fresh CSRF token and version), or as it was found."""
    page = client.get(url).get_data(as_text=True)
    return next((found for found in post_forms(page) if (found.action or url) == action), form)


def is_text(field):
    return field.kind in TEXT_KINDS or field.kind == "textarea"


def answers(form, text_value=None, *, only=None, by_id=None):
    """What a browser would send: hidden fields as they are, the choice already made (or the first
    one offered), every ticked box; text fields as they are, or `text_value` (for those named in
    `only`, if given), or the value `by_id` gives for the box's id (one box of a date)."""
    data = []
    radios_done = set()
    for field in form.fields:
        if field.kind == "hidden":
            data.append((field.name, field.value))
        elif field.kind == "radio":
            if field.name not in radios_done and (
                field.checked or not any(other.checked for other in form.fields if other.name == field.name)
            ):
                data.append((field.name, field.value))
                radios_done.add(field.name)
        elif field.kind == "checkbox":
            if field.checked:
                data.append((field.name, field.value))
        elif field.kind == "select":
            data.append((field.name, field.value or ""))
        elif is_text(field):
            use = text_value is not None and (only is None or field.name in only)
            value = text_value if use else field.value
            data.append((field.name, (by_id or {}).get(field.id, value)))
    return MultiDict(data)


def form_pages(app, client, *value_sets):
    """(page URL, the form's action URL, form) for every POST form with a text field, on every
    page the client can open (with each set of URL values in turn)."""
    urls = []
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith("api."):
            continue
        for values in value_sets:
            urls += [url for url in urls_of(rule, **values) if url not in urls]
    found, seen = [], set()
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for form in post_forms(response.get_data(as_text=True)):
            if not any(is_text(field) for field in form.fields):
                continue
            action = form.action or url
            key = (action, tuple(field.name for field in form.fields))
            if key not in seen:
                seen.add(key)
                found.append((url, action, form))
    # Forms that take a record away (off the list, decided) last, so the others still find it.
    return sorted(found, key=lambda page: any(word in page[1] for word in DESTRUCTIVE))
