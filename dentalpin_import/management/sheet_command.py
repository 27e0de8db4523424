"""The four CSV sheet commands share this: read, show, import, report (docs/cli.md).

Each command only names its sheet. Everything runs through `jobs.services`,
like `import_dpmf`, and prints the same report; the JSON report has the same
keys. Exit status: 0 done (warnings allowed), 2 refused, 1 anything else.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.jobs import services, sheet_preview
from dentalpin_import.management import running
from dentalpin_import.management.passphrase import REFUSED
from dentalpin_import.models import SourceKind
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_headers import (
    BAD_MAPPING,
    MAX_MAPPING_BYTES,
    MSG_MAPPING_TOO_BIG,
    SheetMapping,
)
from dentalpin_import.reader.sheet_specs import SHEETS

SAMPLE_WIDTH = 22


def _cell(value: str) -> str:
    flat = value.replace("\r\n", "⏎").replace("\n", "⏎")
    return flat if len(flat) <= SAMPLE_WIDTH else flat[: SAMPLE_WIDTH - 1] + "…"


def read_mapping(path: str, sheet: str) -> dict:
    """The mapping file at `path` as job options keep it; refuse (exit 2) a bad one."""
    try:
        if Path(path).stat().st_size > MAX_MAPPING_BYTES:
            raise ReadError(BAD_MAPPING, MSG_MAPPING_TOO_BIG.format(limit=MAX_MAPPING_BYTES))
        mapping = SheetMapping.from_json(Path(path).read_bytes())
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}", returncode=REFUSED) from None
    except ReadError as exc:
        raise CommandError(f"refused: {path}: {exc}", returncode=REFUSED) from None
    if mapping.sheet_type != sheet:
        wanted, found = SHEETS[sheet].label, SHEETS[mapping.sheet_type].label
        message = f"refused: {path} is a mapping for a {found} sheet, not a {wanted} one"
        raise CommandError(message, returncode=REFUSED)
    return json.loads(mapping.to_json())


class SheetImportCommand(BaseCommand):
    """Import one kind of CSV sheet into the clinic named on the command line."""

    sheet: str = ""

    @property
    def help(self) -> str:
        spec = SHEETS[self.sheet]
        return (
            f"Import a {spec.label} sheet (CSV, or a sheet of an .xlsx, .xls or .ods workbook) "
            f"into the clinic named by --clinic. Required columns: {', '.join(spec.required)}; "
            f"optional: {', '.join(spec.optional)}. Headers are also recognised in Spanish, "
            "Portuguese and French and in the usual variants; --mapping names the others. "
            "The encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252, Latin-1, "
            "Mac Roman) and the delimiter (comma, semicolon, tab, pipe) are detected and shown "
            "before anything is written. Run again after a crash or a failure, the same command "
            "finishes the same job. Exit status: 0 done (warnings allowed), 2 the file or "
            "request was refused (nothing written; also while another import of the clinic "
            "runs), 1 any other failure."
        )

    def add_arguments(self, parser):
        parser.add_argument("--file", "-f", required=True, metavar="PATH")
        parser.add_argument(
            "--clinic", "-c", "--tenant", "-t", dest="clinic", required=True, metavar="SLUG"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="run the whole import, then roll it back"
        )
        parser.add_argument(
            "--encoding", metavar="NAME", help="read the file in this encoding (no detection)"
        )
        parser.add_argument(
            "--on-conflict",
            choices=services.ON_CONFLICT,
            default=services.KEEP_CLINIC,
            help="a field changed both in this corrected sheet and in the clinic since the "
            "earlier import: keep the clinic's value (default) or take the sheet's",
        )
        parser.add_argument(
            "--mapping",
            metavar="FILE.json",
            help="a column mapping file (the wizard's download): which field each column fills",
        )
        parser.add_argument(
            "--sheet",
            metavar="NAME",
            dest="worksheet",
            help="the sheet of an Excel or OpenDocument workbook to read (default: the one "
            "whose headers are recognised)",
        )
        parser.add_argument("--report-json", metavar="PATH")
        parser.add_argument("--user", metavar="USERNAME", help="who the job is recorded for")

    def handle(self, *args, **opts):
        clinic, user, path = running.resolve_request(opts)
        columns = {}  # the column mapping and the workbook's sheet, as the web flow keeps them
        if opts["mapping"]:
            columns["mapping"] = read_mapping(opts["mapping"], self.sheet)
        if opts["worksheet"]:
            columns["worksheet"] = opts["worksheet"]
        report = running.import_file(
            self,
            clinic=clinic,
            user=user,
            path=path,
            dry_run=opts["dry_run"],
            source_kind=SourceKind.CSV,
            options={
                "sheet": self.sheet,
                "encoding": opts["encoding"] or "",
                "on_conflict": opts["on_conflict"],
                **columns,
            },
            open_source=lambda job: services.open_sheet_file(job=job),
            show=self.print_sheet,
        )
        if opts["report_json"]:
            Path(opts["report_json"]).write_text(json.dumps(report, indent=2) + "\n")

    def print_sheet(self, job, sheet) -> None:
        """What was read, before anything is written: encoding, delimiter, sample, problems."""
        meta = sheet.meta
        counts = ", ".join(f"{t.entity_type} {t.actual_count}" for t in sheet.entity_types)
        self.stdout.write(f"Sheet: {sheet.spec.label} ({counts})")
        if meta["worksheet"]:
            self.stdout.write(f"Workbook ({meta['format']}): sheet {meta['worksheet']}")
        else:
            self.stdout.write(f"Encoding: {meta['encoding']} ({meta['encoding_how']})")
            self.stdout.write(f"Delimiter: {meta['delimiter']}")
        if meta["ignored_columns"]:
            self.stdout.write("Columns not used: " + ", ".join(meta["ignored_columns"]))
        header = [h.strip() for h in sheet.parsed.header]
        self.stdout.write("Decoded sample:")
        self.stdout.write("  " + " | ".join(_cell(h) for h in header))
        for cells in sheet.parsed.samples:
            self.stdout.write("  " + " | ".join(_cell(c) for c in cells[: len(header)]))
        groups = sheet_preview.problem_groups(sheet, job.clinic)
        services.record_preflight(job=job, problems=groups)
        if not groups:
            self.stdout.write("Problems found before importing: none")
            return
        self.stdout.write(
            "Problems found before importing (each affected row becomes a warning; "
            "the other rows import):"
        )
        for group in groups:
            self.stdout.write(f"  - {group['text']}; e.g. {', '.join(group['examples'])}")
