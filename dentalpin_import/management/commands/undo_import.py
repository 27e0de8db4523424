"""`undo_import JOB_ID [--clinic SLUG] [--dry-run] [--force]`: delete what one import created."""

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.jobs import undo
from dentalpin_import.management import job_lookup
from dentalpin_import.management.output import table
from dentalpin_import.management.passphrase import REFUSED


class Command(BaseCommand):
    help = (
        "Undo an import: delete the clinic rows this job created (found through its mappings), "
        "newest dependency first, plus its mappings, raw entities, staged files and received "
        "documents. Rows that existed before the job are never touched. Rows edited after the "
        "import are listed and kept unless --force. --dry-run lists what would go. A job whose "
        "process died while it ran is marked interrupted and can be undone; a live one must "
        "be cancelled first (cancel_import). With --clinic, a job of another clinic is refused "
        "and nothing is deleted. Exit status 2 when refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("job_id")
        job_lookup.add_clinic_option(parser)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--force", action="store_true", help="also delete rows edited after the import"
        )

    def handle(self, *args, job_id, dry_run, force, **opts):
        job = job_lookup.job_named(job_id, clinic=opts.get("clinic"))
        try:
            plan = undo.undo_job(job=job, force=force, dry_run=dry_run)
        except undo.UndoRefused as exc:
            raise CommandError(f"refused: {exc}", returncode=REFUSED) from None
        rows = [[name, len(ids)] for name, ids in plan.rows.items()]
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {plan.total_rows} clinic rows of job {job.pk} "
            f"({job.original_name}, clinic {job.clinic.slug}):"
        )
        self.stdout.write("\n".join(table(["table", "rows"], rows)))
        self.stdout.write(
            f"  mappings: {plan.mappings}, raw entities: {plan.raw_entities}, "
            f"staged files: {plan.staged_files}, stored files: "
            f"{len(plan.stored_files)}"
        )
        if plan.dependents:
            listed = ", ".join(f"{t}#{pk}" for t, pk in plan.dependents[:20])
            self.stdout.write(
                f"  rows another import or a person added that would go too (undo refuses): "
                f"{len(plan.dependents)}: {listed}"
            )
        if plan.changed:
            self.stdout.write(
                f"  edited after the import (deleted with --force): {len(plan.changed)}"
            )
