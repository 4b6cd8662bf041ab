"""The browser portal's shared machinery: tables, generic list/detail views, htmx helpers."""
