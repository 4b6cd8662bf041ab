"""Model fields shared by all apps."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted at rest (Fernet) and plain in Python."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)
