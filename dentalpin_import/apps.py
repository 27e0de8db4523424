"""App config of the removable importer."""

from django.apps import AppConfig

VERSION = "0.1.0"
DEPENDS_ON = ("clinics",)


class DentalpinImportConfig(AppConfig):
    name = "dentalpin_import"
    verbose_name = "DentalPin import"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dentalpin_import import checks  # noqa: F401  (registers the start-up checks)
        from dentalpin_import.loader import lookups

        lookups.register()
        # Django's start-up check wants the folder uploads arrive in to exist already.
        from dentalpin_import.binaries import upload

        try:
            upload.incoming_folder()
        except OSError:
            pass  # the check (files.E001) then names the folder it cannot use
