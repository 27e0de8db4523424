"""Importer models: jobs, and the records they leave behind."""

from dentalpin_import.models.agents import AgentToken
from dentalpin_import.models.audit import AppendOnlyError, AuditAction, AuditEntry
from dentalpin_import.models.cutover import (
    ImportConflict,
    MissingRecord,
    Resolution,
    RowUpdate,
    WrittenBatch,
)
from dentalpin_import.models.jobs import (
    ALLOWED_TRANSITIONS,
    FINISHED,
    ImportJob,
    JobStatus,
    SourceKind,
    TransitionError,
)
from dentalpin_import.models.records import (
    EXTRA_SUFFIX,
    SKIP_SUFFIX,
    SKIP_TABLE,
    SKIP_TARGET_ID,
    EntityMapping,
    FileStaging,
    ImportWarning,
    RawEntity,
    Severity,
    StagingStatus,
)
from dentalpin_import.models.sheet_mappings import SheetColumnMapping
from dentalpin_import.models.undo_files import FileToDelete

__all__ = [
    "AgentToken",
    "AppendOnlyError",
    "AuditAction",
    "AuditEntry",
    "ALLOWED_TRANSITIONS",
    "EXTRA_SUFFIX",
    "FINISHED",
    "SKIP_SUFFIX",
    "SKIP_TABLE",
    "SKIP_TARGET_ID",
    "EntityMapping",
    "FileStaging",
    "FileToDelete",
    "ImportConflict",
    "ImportJob",
    "ImportWarning",
    "JobStatus",
    "MissingRecord",
    "RawEntity",
    "Resolution",
    "RowUpdate",
    "Severity",
    "SheetColumnMapping",
    "SourceKind",
    "StagingStatus",
    "TransitionError",
    "WrittenBatch",
]
