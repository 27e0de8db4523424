"""`import_dpmf FILE --clinic SLUG`: validate, preview and import a DPMF file (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.jobs import preflight, services
from dentalpin_import.jobs.preview import build_preview
from dentalpin_import.management import running
from dentalpin_import.management.output import table
from dentalpin_import.management.passphrase import REFUSED, read_passphrase
from dentalpin_import.models import SourceKind
from dentalpin_import.reader.container import Layering, detect_layering
from dentalpin_import.reader.errors import ReadError


class Command(BaseCommand):
    help = (
        "Import a DPMF file (.dpm, .dpm.zst, .dpm.enc, .dpm.zst.enc) into the clinic named by "
        "--clinic; the file never chooses the clinic. Run again after a crash or a failure, the "
        "same command finishes the same job. Exit status: 0 done (warnings allowed), 2 the file "
        "or request was refused (nothing written; also while another import of the clinic runs), "
        "1 any other failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--clinic", required=True, metavar="SLUG")
        parser.add_argument(
            "--dry-run", action="store_true", help="run the whole import, then roll it back"
        )
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--passphrase-file", metavar="PATH")
        secret.add_argument("--passphrase-env", metavar="VAR")
        parser.add_argument(
            "--import-verifactu",
            action="store_true",
            help="keep invoices' fiscal legal fields (needs the verifactu app)",
        )
        parser.add_argument(
            "--on-conflict",
            choices=services.ON_CONFLICT,
            default=services.KEEP_CLINIC,
            help="a field changed both in this later file and in the clinic since the earlier "
            "import: keep the clinic's value (default) or take the file's; either way it is "
            "listed as a conflict",
        )
        parser.add_argument("--report-json", metavar="PATH")
        parser.add_argument("--user", metavar="USERNAME", help="who the job is recorded for")

    def handle(self, *args, **opts):
        clinic, user, path = running.resolve_request(opts)
        try:
            layering = detect_layering(path)
        except ReadError as exc:
            # Recorded as a failed job, so the refusal shows in the job list too.
            job = services.create_job(clinic=clinic, user=user, path=path)
            services.refuse_job(job=job, error=exc)
            raise CommandError(f"refused: {exc}", returncode=REFUSED) from None
        passphrase = read_passphrase(
            file=opts["passphrase_file"],
            env=opts["passphrase_env"],
            needed=layering in (Layering.ENC, Layering.ZSTD_ENC),
        )
        report = running.import_file(
            self,
            clinic=clinic,
            user=user,
            path=path,
            dry_run=opts["dry_run"],
            source_kind=SourceKind.DPMF,
            options={
                "import_verifactu": opts["import_verifactu"],
                "on_conflict": opts["on_conflict"],
            },
            open_source=lambda job: services.open_job_file(job=job, passphrase=passphrase),
            show=self.show,
        )
        if opts["report_json"]:
            Path(opts["report_json"]).write_text(json.dumps(report, indent=2) + "\n")

    def show(self, job, container) -> None:
        self.print_validation(container)
        self.print_preview(build_preview(container))
        self.print_preflight(job, container)

    def print_preflight(self, job, container) -> None:
        problems = preflight.preflight(container, clinic=job.clinic)
        services.record_preflight(job=job, problems=preflight.as_json(problems))
        if not problems:
            self.stdout.write("Pre-flight check: no problems found")
            return
        self.stdout.write(
            f"Pre-flight check: {len(problems)} problems (the import goes on; "
            f"each affected row becomes a warning):"
        )
        for problem in problems:
            examples = ", ".join(problem.examples)
            self.stdout.write(f"  - {problem.text}; e.g. source ids {examples}")

    def print_validation(self, container) -> None:
        self.stdout.write(
            f"Validated {container.layering} file: format {container.format_version}, "
            f"source {container.source_system}, integrity hash {container.computed_hash} OK"
        )
        for note in container.notes:
            self.stdout.write(f"  note: {note}")

    def print_preview(self, preview) -> None:
        rows = [[t.entity_type, t.in_file, t.handling] for t in preview.types]
        self.stdout.write("Preview:")
        self.stdout.write("\n".join(table(["entity type", "in file", "handling"], rows)))
        files = preview.files
        self.stdout.write(
            f"  binaries expected: {files.total} ({files.with_sha256} with checksum, "
            f"{files.without_sha256} without), {files.declared_bytes:,} bytes declared"
        )
        self.stdout.write(f"  file warnings: {preview.file_warnings_total}")
        for warning in preview.file_warnings[:10]:
            self.stdout.write(f"    [{warning.severity}] {warning.code}: {warning.message}")
