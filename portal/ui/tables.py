"""Declarative tables: columns render cells, headers carry sort links that keep the URL state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from portal.ui.format import badge, filesize


class Column:
    """One column: ``accessor`` is a dotted attribute path (or a callable of the object)."""

    def __init__(
        self,
        name: str,
        label: str | None = None,
        *,
        accessor: str | Callable[[Any], Any] | None = None,
        sort: str | None = None,
        link: bool = False,
        badge: type | None = None,
        bytes: bool = False,
        render: Callable[[Any], Any] | None = None,
    ):
        self.name = name
        self.label = label if label is not None else name.replace("_", " ").capitalize()
        self.accessor = accessor or name
        self.sort = sort
        self.link = link
        self.badge = badge
        self.bytes = bytes
        self.render_func = render

    def value(self, obj):
        if callable(self.accessor):
            return self.accessor(obj)
        value = obj
        for part in self.accessor.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def render(self, obj, url: str | None = None) -> SafeString:
        if self.render_func is not None:
            return conditional_escape(self.render_func(obj))
        value = self.value(obj)
        if value is None or value == "":
            return mark_safe('<span class="muted">—</span>')  # noqa: S308 - constant
        if self.badge is not None:
            return badge(self.badge, value)
        if self.bytes:
            return format_html("{}", filesize(value))
        if self.link and url:
            return format_html('<a href="{}">{}</a>', url, value)
        return format_html("{}", value)


class Table:
    """Columns plus the object URL name; ``bind`` gives headers and rendered rows."""

    columns: list[Column] = []
    detail_url: str | None = None  # URL name taking ``pk``
    row_template: str | None = None

    def __init__(self, objects, request, *, sort: str = "", selectable: bool = False):
        self.objects = objects
        self.request = request
        self.sort = sort
        self.selectable = selectable

    @classmethod
    def sort_fields(cls) -> dict[str, str]:
        return {c.name: c.sort for c in cls.columns if c.sort}

    def url_for(self, obj) -> str | None:
        return reverse(self.detail_url, args=[obj.pk]) if self.detail_url else None

    def headers(self) -> list[dict]:
        params = self.request.GET.copy()
        params.pop("page", None)
        out = []
        for column in self.columns:
            header = {"label": column.label, "url": None, "state": ""}
            if column.sort:
                current = self.sort.lstrip("-")
                descending = self.sort.startswith("-")
                params["sort"] = (
                    f"-{column.name}" if current == column.name and not descending else column.name
                )
                header["url"] = "?" + params.urlencode()
                if current == column.name:
                    header["state"] = "descending" if descending else "ascending"
            out.append(header)
        return out

    def rows(self) -> list[dict]:
        rows = []
        for obj in self.objects:
            url = self.url_for(obj)
            cells = [column.render(obj, url) for column in self.columns]
            rows.append({"obj": obj, "cells": cells, "url": url})
        return rows
