"""`import_clinical_notes`: one CSV sheet through the shared sheet command (docs/cli.md)."""

from dentalpin_import.management.sheet_command import SheetImportCommand


class Command(SheetImportCommand):
    sheet = "clinical_notes"
