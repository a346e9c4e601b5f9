"""Forms as a browser sees them: the values a page's form would submit unchanged."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: tuple[dict, str] | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name")
        if tag == "form":
            self.forms.append({"attrs": attributes, "fields": {}, "values": {}})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attributes.get("value", "")
            if "selected" in attributes:
                form["values"].setdefault(self._select, []).append(attributes.get("value", ""))
        if not name:
            return
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            form["fields"].setdefault(name, kind)
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    form["values"].setdefault(name, []).append(attributes.get("value", "on"))
            elif kind not in {"submit", "button", "image", "file", "reset"}:
                form["values"].setdefault(name, []).append(attributes.get("value", ""))
        elif tag == "textarea":
            form["fields"].setdefault(name, "textarea")
            self._textarea = (form, name)
            form["values"].setdefault(name, []).append("")
        elif tag == "select":
            form["fields"].setdefault(name, "select")
            self._select, self._first_option = name, None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            form, name = self._textarea
            form["values"][name][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            # Nothing selected: a browser submits the first option.
            values = self.forms[-1]["values"]
            if self._select not in values and self._first_option is not None:
                values[self._select] = [self._first_option]
            self._select = None


def read_forms(html: str) -> list[dict]:
    """Every form of the page: {"attrs": {...}, "fields": {name: type}, "values":
    {name: [values a browser would submit unchanged]}}."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        # A browser drops the newline right after <textarea>.
        for name, kind in form["fields"].items():
            if kind == "textarea":
                form["values"][name] = [value.removeprefix("\n") for value in form["values"][name]]
    return reader.forms


def form_data(html: str, action_contains: str = "") -> dict[str, list[str]]:
    """What the first form whose action contains `action_contains` submits unchanged."""
    for form in read_forms(html):
        if action_contains in form["attrs"].get("action", ""):
            return {name: list(values) for name, values in form["values"].items()}
    raise LookupError(f"No form with an action containing {action_contains!r}.")
