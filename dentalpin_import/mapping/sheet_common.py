"""What the CSV sheet mappers share: row problems as warnings, finding patients and staff.

A sheet names a patient by one value (`PatientID`), tried as the legacy id,
then as an NHS or national id, then as an e-mail address, in that order; no
match, or several, is a warning and the row waits for a later run (the patient
sheet may simply not have been imported yet). See docs/manual.en.md.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from functools import lru_cache

from django.db.models.functions import Lower

from clinics.models import Patient, Professional
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.reader.csv_sheets import SOURCE_SYSTEM
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.reader.sheet_records import SheetRecord
from dentalpin_import.reader.sheet_specs import PATIENTS
from dentalpin_import.reader.sheet_values import DUPLICATE_KEY, compact_id, masked
from dentalpin_import.reader.sheet_vocabularies import listed_in

PATIENT_NOT_FOUND = "csv.patient_not_found"
PATIENT_AMBIGUOUS = "csv.patient_ambiguous"
PRACTITIONER_NOT_FOUND = "csv.practitioner_not_found"
MSG_NOT_FOUND = (
    "line {line}: PatientID {ref!r} matches no patient of the clinic by legacy id, "
    "NHS/national id or e-mail (import the patient sheet first?)"
)
MSG_AMBIGUOUS = "line {line}: PatientID {ref!r} matches {n} patients by {how}; not imported"


def problem_params(problem) -> dict:
    """A sheet problem's values for its translated text: where, and what became of the row.

    Never the value itself: it may be an identifier (the reader masks those in
    the English message) and the line and column find it in the sheet.
    """
    params = {
        "line": problem.line,
        "column": problem.column,
        "consequence": "not_imported" if problem.blocking else "left_empty",
    }
    if expected := listed_in(problem.message):  # an unknown value: the accepted ones
        params.update(variant="listed", expected=expected)
    return params


def shown_ref(ref: str) -> str:
    """A `PatientID` as a warning may show it: what may be an NHS or national id (five
    digits or more) only by its last three characters."""
    return masked(ref) if sum(c.isdigit() for c in ref) >= 5 else ref


def check_issues(record: SheetRecord, ctx: MappingContext) -> None:
    """Refuse the row for a blocking problem; note every other problem as a warning.

    A duplicate row is skipped for good (a re-run passes it silently); any
    other refused row is tried again on the next run, once the sheet is fixed.
    """
    blocking = record.blocking
    if blocking:
        first = blocking[0]
        raise MappingWarning(
            f"csv.{first.code}",
            "; ".join(p.message for p in record.issues),
            severity="error",
            skip=first.code == DUPLICATE_KEY,
            raw_data={"line": record.line, "problems": [p.as_dict() for p in record.issues]},
            params=problem_params(first),
        )
    for problem in record.issues:
        ctx.note(
            f"csv.{problem.code}",
            problem.message,
            severity=problem.severity,
            raw_data=problem.as_dict(),
            params=problem_params(problem),
        )


def clinic_patients(ctx: MappingContext):
    """The clinic's patients, filtered on the clinic once.

    The scoped manager adds its own `clinic_id = ?` to ours; with the condition
    twice SQLite plans `legacy_id IN (…)` on the clinic index and reads every
    patient of the clinic for each chunk, so a sheet slowed down as the clinic
    grew. The explicit filter keeps the query to this clinic without the scope.
    """
    return Patient._base_manager.filter(clinic=ctx.clinic)


def _grouped(pairs) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for key, pk in pairs:
        if pk not in found[key]:
            found[key].append(pk)
    return found


class PatientFinder:
    """The clinic's patients a chunk's `PatientID` values could name, loaded in three queries."""

    def __init__(self, ctx: MappingContext, refs):
        refs = {r for r in refs if r}
        patients = clinic_patients(ctx)
        self.by_legacy = _grouped(
            patients.filter(legacy_id__in=refs).values_list("legacy_id", "pk")
        )
        # A value that names a patient by legacy id is never tried further (`find`):
        # only the others are looked up by national id and e-mail (most sheets need
        # neither query then).
        refs -= set(self.by_legacy)
        national = {compact_id(r).upper() for r in refs} | refs
        emails = {r.lower() for r in refs if "@" in r}
        self.by_national = _grouped(
            (compact_id(n).upper(), pk)
            for n, pk in patients.filter(national_id__in=national).values_list("national_id", "pk")
        )
        self.by_email = _grouped(
            patients.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=emails)
            .values_list("lower_email", "pk")
        )

    def _candidates(self, ref: str):
        # One way after another: most rows match by legacy id, and their value is
        # then neither compacted as a national id nor lowered as an e-mail.
        yield "legacy id", self.by_legacy.get(ref)
        yield "NHS/national id", self.by_national.get(compact_id(ref).upper())
        yield "e-mail", self.by_email.get(ref.lower())

    def find(self, ref: str, line: int) -> tuple[int, str]:
        """Return (patient id, how it matched) or raise a retryable `MappingWarning`."""
        for how, candidates in self._candidates(ref):
            if not candidates:
                continue
            if len(candidates) > 1:
                shown = shown_ref(ref)
                message = MSG_AMBIGUOUS.format(line=line, ref=shown, n=len(candidates), how=how)
                params = {"line": line, "n": len(candidates), "how": how}
                raise MappingWarning(PATIENT_AMBIGUOUS, message, skip=False, params=params)
            return candidates[0], how
        raise MappingWarning(
            PATIENT_NOT_FOUND,
            MSG_NOT_FOUND.format(line=line, ref=shown_ref(ref)),
            skip=False,
            params={"line": line, "ref": repr(shown_ref(ref))},
        )


@lru_cache(maxsize=1024)  # a sheet names its few practitioners on row after row
def staff_uuid(ref: str) -> str:
    """The canonical id a staff row of the patient sheet got for legacy id `ref`."""
    return canonical_uuid(SOURCE_SYSTEM, PATIENTS.name, ref)


class StaffFinder:
    """The author or prescriber a row names: a staff row imported from the patient sheet,
    then a staff member whose code is that legacy id, then one with that e-mail."""

    def __init__(self, ctx: MappingContext, refs):
        refs = {r for r in refs if r}
        staff = Professional.objects.filter(clinic=ctx.clinic)
        self.ctx = ctx
        self.by_code = _grouped(staff.filter(code__in=refs).values_list("code", "pk"))
        self.by_email = _grouped(
            staff.annotate(lower_email=Lower("email"))
            .filter(lower_email__in={r.lower() for r in refs if "@" in r})
            .values_list("lower_email", "pk")
        )

    def find(self, ref: str, line: int) -> int | None:
        """Return the staff member's id, or None with a warning noted on the row."""
        if not ref:
            return None
        mapped = self.ctx.resolve("csv_staff", staff_uuid(ref))
        if mapped is not None:
            return mapped
        for candidates in (self.by_code.get(ref), self.by_email.get(ref.lower())):
            if candidates and len(candidates) == 1:
                return candidates[0]
        self.ctx.note(
            PRACTITIONER_NOT_FOUND,
            f"line {line}: Practitioner ID {ref!r} matches no single staff member; "
            "imported without one",
            severity="warn",
            params={"line": line, "ref": repr(ref)},
        )
        return None


def clinic_datetime(naive: dt.datetime | None, ctx: MappingContext) -> dt.datetime | None:
    """Read a sheet's wall-clock time in the clinic's own time zone."""
    if naive is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(ctx.clinic.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return naive.replace(tzinfo=zone)


class PatientRowMapper(BaseMapper):
    """Base of the sheets whose every row belongs to one patient (all but the patient sheet).

    Patients (and, with `names_staff`, the practitioners a row names) are looked
    up once per chunk; `patient()` refuses or notes the row's problems first.
    """

    names_staff = True
    depends_on = ("csv_staff",)

    def references(self, record):
        if self.names_staff and record.practitioner_ref:
            yield "csv_staff", staff_uuid(record.practitioner_ref)

    def prepare(self, records, ctx: MappingContext) -> None:
        ctx.chunk["patients"] = PatientFinder(ctx, {r.patient_ref for r in records})
        if self.names_staff:
            ctx.chunk["staff"] = StaffFinder(ctx, {r.practitioner_ref for r in records})

    def patient(self, record, ctx: MappingContext) -> int:
        """The row's patient id; raises `MappingWarning` for a refused row."""
        check_issues(record, ctx)
        patient_id, how = ctx.chunk["patients"].find(record.patient_ref, record.line)
        if how != "legacy id":  # say so when the match was by something weaker
            ref = repr(shown_ref(record.patient_ref))
            ctx.note(
                "csv.patient_matched_by_" + ("email" if how == "e-mail" else "national_id"),
                f"line {record.line}: PatientID {ref} matched a patient by {how}",
                params={"line": record.line, "ref": ref},
            )
        return patient_id

    def practitioner(self, record, ctx: MappingContext) -> int | None:
        return ctx.chunk["staff"].find(record.practitioner_ref, record.line)
