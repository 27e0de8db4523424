"""App config of the optional fiscal-compliance module."""

from django.apps import AppConfig


class VerifactuConfig(AppConfig):
    name = "verifactu"
    verbose_name = "Fiscal legal records (Verifactu / Portugal)"
    default_auto_field = "django.db.models.BigAutoField"
