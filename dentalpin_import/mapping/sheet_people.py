"""Patient demographics sheet → `clinics.Patient` (role PATIENT) or `clinics.Professional`.

A patient already in the clinic with the same legacy id, or else the same
national id (NHS number, DNI, NIF…) and no legacy id of its own, is linked
rather than duplicated (and gets the legacy id, so the other sheets find it). Staff
rows are linked by e-mail (in any case), like the DPMF staff mappers do; a new one
keeps its legacy id as code.
"""

from __future__ import annotations

from django.db.models.functions import Lower

from clinics.models import Patient, Professional, Sex, StaffRole
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_common import check_issues, clinic_patients
from dentalpin_import.mapping.text import cut, join_lines
from dentalpin_import.reader.sheet_records import SourceSheetPatient, SourceSheetStaff

SEXES = {
    "male": Sex.MALE,
    "female": Sex.FEMALE,
    "other": Sex.OTHER,
    "not_stated": Sex.UNDISCLOSED,
    "unknown": "",
}
ROLES = {
    "clinician": StaffRole.DENTIST,
    "dentist": StaffRole.DENTIST,
    "doctor": StaffRole.DENTIST,
    "gp": StaffRole.DENTIST,
    "hygienist": StaffRole.HYGIENIST,
    "dental_hygienist": StaffRole.HYGIENIST,
    "nurse": StaffRole.ASSISTANT,
    "dental_nurse": StaffRole.ASSISTANT,
    "assistant": StaffRole.ASSISTANT,
    "receptionist": StaffRole.RECEPTIONIST,
    "practice_manager": StaffRole.ADMIN,
    "manager": StaffRole.ADMIN,
    "admin": StaffRole.ADMIN,
    "administrator": StaffRole.ADMIN,
}
LEGACY_ID_MAX = 60
PHONE_MAX = 20


def _phone(record: SourceSheetPatient | SourceSheetStaff, ctx: MappingContext) -> str:
    """A phone too long for its column is cut to 20 characters: whole in the notes, a warning."""
    if len(record.phone) <= PHONE_MAX:
        return ""
    ctx.note(
        "csv.phone_truncated",
        f"line {record.line}: phone cut to {PHONE_MAX} characters",
        params={"line": record.line},
    )
    return f"Mobile Phone in the sheet: {record.phone}"


def _by(rows, attribute: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(getattr(row, attribute), []).append(row)
    return found


class SheetPatientMapper(BaseMapper):
    entity = "csv_patient"
    record = SourceSheetPatient
    model = Patient

    def prepare(self, records, ctx: MappingContext) -> None:
        patients = clinic_patients(ctx)
        legacy = {r.legacy_id for r in records if r.legacy_id}
        national = {r.national_id for r in records if r.national_id}
        ctx.chunk["by_legacy"] = _by(patients.filter(legacy_id__in=legacy), "legacy_id")
        # Only patients without a legacy id may be this row by national id: one that has another
        # legacy id is another record of the old system (shared or test numbers exist), and a
        # patient this sheet created in an earlier chunk must not swallow a later row.
        unlinked = patients.filter(legacy_id="").exclude(national_id_digest="")
        # Mostly there are none (every patient came from a sheet or a file): asked once a
        # chunk through the clinic-and-legacy-id index, it spares digesting every row's
        # national id under every key for a query that would find nothing.
        ctx.chunk["by_national_id"] = (
            _by(unlinked.filter(national_id__in=national), "national_id")
            if national and unlinked.exists()
            else {}
        )

    def map(self, record: SourceSheetPatient, ctx: MappingContext) -> Patient:
        check_issues(record, ctx)
        if len(record.legacy_id) > LEGACY_ID_MAX:
            raise MappingWarning(
                "csv.legacy_id_too_long",
                f"line {record.line}: LegacyPatientID longer than {LEGACY_ID_MAX} characters",
                params={"line": record.line, "max": LEGACY_ID_MAX},
            )
        if ctx.updating:  # a corrected sheet: the row as the sheet has it now (loader/merge.py)
            return self.build(record, ctx)
        existing = self.existing(record, ctx)
        if existing is not None:
            return existing
        return self.build(record, ctx)

    def existing(self, record: SourceSheetPatient, ctx: MappingContext) -> Patient | None:
        """The clinic's patient this row is, by legacy id then national id; None for a new one."""
        for how, found in (
            ("legacy id", ctx.chunk["by_legacy"].get(record.legacy_id, [])),
            ("national id", ctx.chunk["by_national_id"].get(record.national_id, [])),
        ):
            if len(found) > 1:
                raise MappingWarning(
                    "csv.patient_ambiguous",
                    f"line {record.line}: {len(found)} patients of the clinic share this "
                    f"{how}; not imported",
                    skip=False,
                    params={"line": record.line, "n": len(found), "how": how},
                )
            if found:
                ctx.note(
                    "csv.patient_linked",
                    f"line {record.line}: linked to the clinic's patient {found[0]} "
                    f"(same {how}) instead of creating another",
                    params={"line": record.line, "how": how},
                )
                return found[0]
        return None

    def build(self, record: SourceSheetPatient, ctx: MappingContext) -> Patient:
        return build(
            Patient,
            clinic=ctx.clinic,
            legacy_id=record.legacy_id,
            given_name=cut(record.given_name, 150),
            family_name=cut(record.family_name, 150),
            date_of_birth=record.date_of_birth,
            national_id=record.national_id,
            national_id_type=record.national_id_type,
            sex=SEXES.get(record.sex, ""),
            email=cut(record.email, 254),
            phone=record.phone[:PHONE_MAX],
            address_street=cut(record.address_street, 300),
            city=cut(record.city, 120),
            address_postal_code=cut(record.postal_code, 20),
            emergency_contact_name=cut(record.emergency_contact_name, 200),
            emergency_contact_phone=cut(record.emergency_contact_phone, 40),
            notes=join_lines(_phone(record, ctx)),
        )

    def finish(self, ctx: MappingContext) -> None:
        """Give linked patients that had no legacy id this sheet's, so other sheets find them.

        The rows this job linked are found by their mappings and read again from the
        sheet: an attempt that stopped before this pass linked them too.
        """
        linked = dict(
            ctx.mappings_of_run(self.entity, Patient)
            .filter(created_row=False)
            .values_list("canonical_uuid", "target_id")
        )
        if not linked or ctx.source is None:
            return
        for record in ctx.source.records(self.entity):
            if record.canonical_uuid in linked and record.legacy_id:
                Patient.objects.filter(
                    clinic=ctx.clinic, pk=int(linked[record.canonical_uuid]), legacy_id=""
                ).update(legacy_id=record.legacy_id)


class SheetStaffMapper(BaseMapper):
    entity = "csv_staff"
    record = SourceSheetStaff
    model = Professional

    def prepare(self, records, ctx: MappingContext) -> None:
        emails = {r.email for r in records if r.email}
        staff = (
            Professional.objects.filter(clinic=ctx.clinic)
            .annotate(lower_email=Lower("email"))
            .filter(lower_email__in=emails)
        )
        ctx.chunk["staff_by_email"] = {p.lower_email: p for p in staff}

    def map(self, record: SourceSheetStaff, ctx: MappingContext) -> Professional:
        check_issues(record, ctx)
        known = ctx.chunk["staff_by_email"].get(record.email) if record.email else None
        if known is not None:
            return known  # an existing staff member keeps their role
        role = ROLES.get(record.role)
        if role is None:
            role = StaffRole.ASSISTANT
            ctx.note(
                "csv.staff_role_unknown",
                f"line {record.line}: Role {record.role_as_written!r} imported as assistant",
                params={"line": record.line, "role": record.role_as_written[:60]},
            )
        if record.not_imported:
            columns = ", ".join(record.not_imported)
            ctx.note(
                "csv.staff_values_not_imported",
                f"line {record.line}: values not imported (a staff member has no field "
                f"for them): {columns}",
                severity="warn",
                params={"line": record.line, "columns": columns[:200]},
            )
        staff = build(
            Professional,
            clinic=ctx.clinic,
            given_name=cut(record.given_name, 150),
            family_name=cut(record.family_name, 150),
            email=cut(record.email, 254),
            role=role,
            code=cut(record.legacy_id, 40),
            national_id=record.national_id,
            phone=record.phone[:PHONE_MAX],
            notes=join_lines(f"Role in the sheet: {record.role_as_written}", _phone(record, ctx)),
        )
        if record.email:
            ctx.chunk["staff_by_email"][record.email] = staff
        return staff
