"""Browser pages of the storage app that go beyond lists (volumes, templates, admin forms)."""
