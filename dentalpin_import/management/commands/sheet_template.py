"""`sheet_template`: write a blank sheet template with one example row (docs/cli.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.reader import sheet_templates
from dentalpin_import.reader.sheet_fields import FIELDS, LANGUAGES


class Command(BaseCommand):
    help = (
        "Write a blank template of one kind of sheet (patients, clinical_background, "
        "clinical_notes, medications) with one example row, to OUT: CSV or XLSX by OUT's "
        "extension. The headers and the example's values are in English, or in Spanish with "
        "--language es; the import commands and the wizard recognise either. Exit status: 0 "
        "written, 2 refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("sheet_type", metavar="TYPE", choices=list(FIELDS))
        parser.add_argument("out", metavar="OUT", help="file to write: .csv or .xlsx")
        parser.add_argument("--language", "-l", choices=LANGUAGES, default="en")
        parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")

    def handle(self, *args, sheet_type, out, language, force, **opts):
        path = Path(out)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in sheet_templates.FORMATS:
            raise CommandError(
                f"{out}: name the file .csv or .xlsx (the format follows the extension)",
                returncode=2,
            )
        if path.exists() and not force:
            raise CommandError(
                f"{out} already exists: choose another name or add --force", returncode=2
            )
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} is not a folder", returncode=2)
        sheet_templates.write_template(sheet_type, path, language)
        headers = ", ".join(sheet_templates.header_row(sheet_type, language))
        self.stdout.write(f"Wrote {out} ({fmt.upper()}, one example row): {headers}")
