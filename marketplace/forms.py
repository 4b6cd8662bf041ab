"""Marketplace browser forms (the data goes to ``marketplace.services``)."""

from __future__ import annotations

import json

from django import forms

from marketplace.choices import CatalogKind

MAX_UPLOAD = 64 * 1024 * 1024


class CatalogForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=CatalogKind.choices)
    url = forms.CharField(
        label="Location",
        max_length=500,
        help_text="Directory path, git URL or repository path, or the index URL.",
    )
    ref = forms.CharField(
        label="Git commit", max_length=64, required=False, help_text="Git catalogs only."
    )
    index_path = forms.CharField(max_length=200, initial="index.json")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(label="Package (.portalpkg)")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The package is too large.")
        return upload


class LockImportForm(forms.Form):
    file = forms.FileField(label="Lock file (JSON)")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The lock file is too large.")
        try:
            lock = json.loads(upload.read())
        except ValueError as exc:
            raise forms.ValidationError(f"Not JSON: {exc}") from exc
        if not isinstance(lock, dict):
            raise forms.ValidationError("A lock file is a JSON object.")
        return lock


class ExtensionEditForm(forms.Form):
    """Edit one file of the current version; saving makes a new version."""

    path = forms.CharField(max_length=300)
    content = forms.CharField(
        strip=False, widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"})
    )
    comment = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
