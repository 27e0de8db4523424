"""Stored files an undo still has to delete: named in its transaction, deleted after it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileToDelete(models.Model):
    """The storage name of a received document's file (or thumbnail) whose row an undo deleted.

    Storage is no database: a file cannot go in the undo's transaction. Its
    name is written in that transaction instead and the row is deleted with the
    file, after the commit (jobs/undo_files.py); a process that dies in between
    leaves the name here for the sweep. One row per file keeps a clinic's tens of
    thousands of documents out of the job's own record, which every page reads.
    """

    name = models.CharField(max_length=500, verbose_name=_("stored file"))
    # Kept when the job row goes: the file must go all the same.
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("file still to delete")
        verbose_name_plural = _("files still to delete")

    def __str__(self) -> str:
        return self.name
