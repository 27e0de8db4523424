"""The mapper contract: one small class per entity type (STYLE.md §4.3).

A mapper turns one typed source record into unsaved clinic rows and never
saves. The runner resolves references, inserts in bulk and writes mappings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models
from django.db.models import BigIntegerField
from django.db.models.functions import Cast

from dentalpin_import.mapping.keys import ResolvedKeys
from dentalpin_import.models import EntityMapping
from dentalpin_import.reader.records import SourceRecord
from dentalpin_import.reader.values import Payload


class MappingWarning(Exception):
    """A recoverable problem with one row; the runner records it and moves on.

    With `skip=True` (the default) the row gets a skip marker so a re-run
    passes it silently; `skip=False` leaves it unmapped so a later run (for
    example once the missing parent exists) tries again. `by_rule` says whether
    a rule leaves the row out on purpose (reported as skipped) or a problem of
    the file does (reported as failed); None judges by the code and severity
    (`loader.chunks.deliberate`).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        severity: str = "warn",
        skip: bool = True,
        raw_data: Any = None,
        params: dict | None = None,
        by_rule: bool | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.severity = severity
        self.skip = skip
        self.by_rule = by_rule
        self.raw_data = raw_data
        # The message's values, for its text in the reader's language (`warning_texts`).
        self.params = params


class Defer(Exception):
    """Try this row again after every other row of its type (same-type forward reference)."""


@dataclass
class Note:
    """A warning attached to a row that was still imported."""

    code: str
    message: str
    severity: str = "info"
    raw_data: Any = None
    params: dict | None = None  # the message's values (`warning_texts`)


@dataclass
class MappingContext:
    """What a mapper may know besides its record: the clinic, options and resolved ids."""

    clinic: Any
    job: Any
    source_system: str
    options: dict[str, Any]
    # Resolved ids and their tables: one source type may map to several
    # (a catalogue item to a chair or a catalogue row, a treatment to a note).
    keys: ResolvedKeys = field(default_factory=ResolvedKeys)
    notes: list[Note] = field(default_factory=list)
    # `state` lives for the whole run; `chunk` is emptied before every chunk,
    # so what a mapper caches there never outlives a rolled-back savepoint.
    state: dict[str, Any] = field(default_factory=dict)
    chunk: dict[str, Any] = field(default_factory=dict)
    final_pass: bool = False
    # An earlier attempt of this job may have written rows (a failed or interrupted run).
    resumed: bool = False
    # The jobs whose rows this run's second passes (`finish()`) cover: this job, with
    # whatever an earlier attempt of it committed, and any job of the clinic that
    # stopped before its own second passes. They work from these jobs' mappings,
    # never from what this process happened to see, so a run after a crash ends
    # where an uninterrupted one would.
    finishing_jobs: tuple = ()
    # The open source (a DPMF container or a sheet), for a second pass that reads rows again.
    source: Any = None
    # A field changed both in the file and in the clinic: whose value stays (loader/merge.py).
    on_conflict: str = "keep-clinic"
    # True while rows a later file changed are mapped again to be merged into the rows
    # they became: a mapper that links a row to an existing one by value builds it anew.
    updating: bool = False

    def mappings_of_run(self, entity_type: str, model: type[models.Model] | None = None):
        """The mappings of `entity_type` rows that `finishing_jobs` wrote (skip markers aside),
        to `model`'s rows when given."""
        mappings = EntityMapping.objects.filter(
            clinic=self.clinic,
            source_system=self.source_system,
            entity_type=entity_type,
            job__in=self.finishing_jobs or (self.job.pk,),
        )
        return mappings if model is None else mappings.filter(target_table=model._meta.db_table)

    def mapped_by_run(self, entity_type: str, model: type[models.Model]) -> models.QuerySet:
        """Ids of the `model` rows that `entity_type` rows of `finishing_jobs` were mapped to.

        A values queryset, for `pk__in=Subquery(...)`; a linked row counts too.
        """
        mappings = self.mappings_of_run(entity_type, model)
        return mappings.values(target=Cast("target_id", BigIntegerField()))

    def resolve(self, entity_type: str, canonical_uuid: str | None) -> int | None:
        """Return the clinic row id a source key was mapped to, or None."""
        if not canonical_uuid:
            return None
        return self.keys.get(entity_type, canonical_uuid)

    def resolve_as(
        self, entity_type: str, canonical_uuid: str | None, model: type[models.Model]
    ) -> int | None:
        """Like `resolve`, but only when the row was mapped to a `model` row.

        An id alone is ambiguous when a type maps to several tables; this never
        hands back, say, a clinical note's id as if it were a treatment's.
        """
        if not canonical_uuid:
            return None
        return self.keys.get_in(entity_type, canonical_uuid, model._meta.db_table)

    def note(
        self,
        code: str,
        message: str,
        *,
        severity: str = "info",
        raw_data: Any = None,
        params: dict | None = None,
    ):
        """Record a warning about the current row without stopping it."""
        self.notes.append(Note(code, message, severity, raw_data, params))

    def require(self, entity_type: str, canonical_uuid: str | None, *, code: str, what: str) -> int:
        """Resolve a required reference or raise the spec's `no_*` / `unmapped_*` warning."""
        params = {"kind": entity_type}
        if not canonical_uuid:
            raise MappingWarning(f"{code}.no_{what}", f"no {what} given", params=params)
        target = self.resolve(entity_type, canonical_uuid)
        if target is None:
            self.check_left_out(entity_type, canonical_uuid, code=code, what=what)
            raise MappingWarning(
                f"{code}.unmapped_{what}",
                f"{what} {canonical_uuid} is not in the file or was not imported",
                params=params,
            )
        return target

    def check_left_out(
        self, entity_type: str, canonical_uuid: str | None, *, code: str, what: str
    ) -> None:
        """Raise the `*.left_out_*` skip when a reference names a row the rules left out.

        A row whose parent a rule left out (a payment applied to a voided debt or
        to a payment of 0) goes with it, by the same rule: skipped, not failed. A
        reference to a row absent from the file, or that failed, is not this.
        """
        if canonical_uuid and self.keys.left_out(entity_type, canonical_uuid):
            raise MappingWarning(
                f"{code}.left_out_{what}",
                f"{what} {canonical_uuid} was left out by the import rules; "
                "this row is left out with it",
                severity="info",
                params={"kind": entity_type},
                by_rule=True,
            )


MapResult = models.Model | list[models.Model] | None


class BaseMapper:
    """Base of every mapper.

    Subclasses set `entity` (source type), `record` (its `Source*` class),
    `model` (main target) and `depends_on` (earlier types whose mappings it
    reads; `refers_to_itself` when rows name other rows of their own type), and
    implement `map()`. `map()` returns an unsaved instance, a list of them (the
    first one is what the source row maps to), an already saved instance to
    link the row to an existing clinic row, or None for "nothing to write";
    it raises `MappingWarning` for a row it cannot import.
    """

    entity: ClassVar[str]
    record: ClassVar[type[SourceRecord]]
    model: ClassVar[type[models.Model]]
    depends_on: ClassVar[tuple[str, ...]] = ()
    refers_to_itself: ClassVar[bool] = False

    def references(self, record: SourceRecord) -> Iterable[tuple[str, str | None]]:
        """Yield (entity_type, canonical_uuid) pairs the runner should resolve first."""
        return ()

    def shares_row_with(self, record: SourceRecord) -> tuple[str, str] | None:
        """(entity type, source key) of the further rows whose clinic row `record` may have
        been linked to, when `record` takes a row of its own once a later file changes it
        (`loader/shared_rows.py`); None when its links are kept."""
        return None

    def prepare(self, records: list[SourceRecord], ctx: MappingContext) -> None:
        """Load, once per chunk, whatever `map()` needs beyond mapped ids."""

    def map(self, record: SourceRecord, ctx: MappingContext) -> MapResult:
        raise NotImplementedError

    def waits(self, payload: Payload) -> bool:
        """True sends a row to the final pass before it is typed (see `Defer`).

        For rows `map()` would only defer in the first pass: they are then read,
        typed and resolved once instead of twice. Judged on the decoded payload.
        """
        return False

    def finish(self, ctx: MappingContext) -> None:
        """Run once after every row of this type (post-pass links, summaries)."""
