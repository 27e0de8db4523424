"""`inspect_dpmf FILE`: validate a DPMF file, read all of it, print what it holds; write nothing.

"OK" means the import can read the whole file: validation reads every row,
file and warning, and the command then reads them again the way the import
does (and runs the pre-flight check) before it prints anything.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.jobs import preflight
from dentalpin_import.jobs.preview import build_preview
from dentalpin_import.management.output import table
from dentalpin_import.management.passphrase import REFUSED, read_passphrase
from dentalpin_import.reader.container import Layering, detect_layering, open_dpmf
from dentalpin_import.reader.errors import ReadError


class Command(BaseCommand):
    help = (
        "Validate a DPMF file (layers, integrity hash, version), read every row of it as the "
        "import does, and print its contents. Exit status 2 when the file is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--passphrase-file", metavar="PATH")
        secret.add_argument("--passphrase-env", metavar="VAR")

    def handle(self, *args, file, passphrase_file, passphrase_env, **opts):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=REFUSED)
        try:
            layering = detect_layering(path)
            passphrase = read_passphrase(
                file=passphrase_file,
                env=passphrase_env,
                needed=layering in (Layering.ENC, Layering.ZSTD_ENC),
            )
            settings.DPMF_STAGING_DIR.mkdir(parents=True, exist_ok=True)
            with open_dpmf(
                path,
                passphrase=passphrase,
                tmp_dir=str(settings.DPMF_STAGING_DIR),
                max_unpacked_bytes=settings.DPMF_MAX_UNPACKED_BYTES,
            ) as container:
                preview = build_preview(container)
                problems = preflight.preflight(container)
                seen = container.read_through()
                self.stdout.write(
                    f"{path.name}: {container.layering}, format {container.format_version}, "
                    f"source {container.source_system}, sha256 {container.file_sha256}\n"
                    f"integrity hash OK: {container.computed_hash}"
                )
        except ReadError as exc:
            raise CommandError(f"refused: {exc}", returncode=REFUSED) from None
        rows = [[t.entity_type, t.declared, t.in_file, t.handling] for t in preview.types]
        self.stdout.write(
            "\n".join(table(["entity type", "declared", "in file", "handling"], rows))
        )
        for key, value in sorted(preview.meta.items()):
            self.stdout.write(f"  meta {key}: {value}")
        for note in preview.notes:
            self.stdout.write(f"  note: {note}")
        self.print_read_through(seen, problems)

    def print_read_through(self, seen, problems) -> None:
        self.stdout.write(
            f"read as the import reads it: {seen.rows:,} entity rows, {seen.files:,} files, "
            f"{seen.warnings:,} file warnings"
        )
        if seen.undecodable:
            self.stdout.write(
                f"  {seen.undecodable:,} rows have a payload that is not a JSON object "
                f"(each becomes a warning)"
            )
        if not problems:
            self.stdout.write("pre-flight check: no problems found")
            return
        self.stdout.write(f"pre-flight check: {len(problems)} problems")
        for problem in problems:
            self.stdout.write(f"  - {problem.text}; e.g. source ids {', '.join(problem.examples)}")
