"""`sweep_import_uploads [--hours H] [--dry-run]`: delete staged files of abandoned wizards."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.jobs import services, undo, undo_files


class Command(BaseCommand):
    help = (
        "Delete the staged uploads of import wizards that were never confirmed (jobs still "
        "uploaded, validated or previewed) and are older than --hours (default: "
        "DPMF_UPLOAD_RETENTION_HOURS); such jobs become cancelled. Running jobs whose process "
        "has ended are marked interrupted first, and undos whose worker died (or that no worker "
        "started) are ended, their jobs ready to be undone again. Deletes the files of documents "
        "an undo removed from the clinic but stopped before deleting. Also removes the decrypted "
        "work folders of processes that ended (a killed import's; a live import's are left "
        "alone), staging folders of deleted jobs, and older plaintext work folders when no "
        "import is running. Jobs that ended keep their re-wrapped copy for DPMF_RETENTION_DAYS "
        "days (Resume may need it), then lose it, each deletion audited. Prints every path "
        "removed. Run it from cron, e.g. hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None)
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")

    def handle(self, *args, hours, dry_run, **opts):
        hours = settings.DPMF_UPLOAD_RETENTION_HOURS if hours is None else hours
        if hours < 0:
            raise CommandError("--hours must be 0 or more")
        ended = undo.recover_dead()
        if ended:
            self.stdout.write(f"ended {ended} undos that no worker runs any more: ask them again")
        self._files_undos_left(dry_run)
        removed = services.sweep_abandoned_uploads(
            older_than=timedelta(hours=hours), dry_run=dry_run
        )
        verb = "would remove" if dry_run else "removed"
        for item in removed:
            job = f" (job {item['job']})" if item["job"] else ""
            self.stdout.write(f"{verb} {item['path']}{job}: {item['why']}, {item['bytes']} bytes")
        jobs = len({item["job"] for item in removed if item["why"] == "abandoned"})
        total = sum(item["bytes"] for item in removed)
        self.stdout.write(
            f"{verb} {len(removed)} paths, {total} bytes, from {jobs} abandoned wizards "
            f"(older than {hours:g} h)"
        )

    def _files_undos_left(self, dry_run: bool) -> None:
        """Delete the documents' files an undo stopped before deleting, and say so."""
        left = undo_files.sweep(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for job, count in sorted(left.files.items()):
            whose = f"the undo of job {job}" if job else "the undo of a job since deleted"
            self.stdout.write(
                f"{verb} {count} files of documents that {whose} removed from the clinic "
                "but left in storage (it stopped before deleting them)"
            )
        if left.kept:
            self.stdout.write(
                f"kept {left.kept} files an undo left that another document still uses"
            )
        if left.failed:
            self.stdout.write(
                f"could not delete {left.failed} files of undone documents (the server log "
                "says why): the next sweep tries again"
            )
