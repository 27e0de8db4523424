"""`professional` and `user` → `clinics.Professional` (FORMAT.md §8.3).

Staff are matched by e-mail within the clinic, so the same person exported as
both a professional and a user, or already on the clinic's staff, is linked
rather than duplicated. Imported staff get no login account.
"""

import datetime as dt

from clinics.models import Professional, StaffRole
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.records import SourceProfessional, SourceUser

ROLES = {
    "doctor": StaffRole.DENTIST,
    "dentist": StaffRole.DENTIST,
    "hygienist": StaffRole.HYGIENIST,
    "auxiliary": StaffRole.ASSISTANT,
    "assistant": StaffRole.ASSISTANT,
    "receptionist": StaffRole.RECEPTIONIST,
    "admin": StaffRole.ADMIN,
}
CLINICAL = {StaffRole.DENTIST, StaffRole.HYGIENIST}
DEFAULT_MIN_ACTIVITY_MONTHS = 24


class StaffMapperMixin:
    """Per-chunk lookup of the clinic's staff by e-mail."""

    def prepare(self, records, ctx: MappingContext) -> None:
        emails = {r.email for r in records if r.email}
        existing = Professional.objects.filter(clinic=ctx.clinic, email__in=emails)
        ctx.chunk["staff_by_email"] = {p.email: p for p in existing}

    def existing_or(self, email: str, build, ctx: MappingContext) -> Professional:
        known = ctx.chunk["staff_by_email"]
        if email and email in known:
            return known[email]
        staff = build()
        if email:
            known[email] = staff
        return staff


class ProfessionalMapper(StaffMapperMixin, BaseMapper):
    entity = "professional"
    record = SourceProfessional
    model = Professional

    def map(self, record: SourceProfessional, ctx: MappingContext):
        return self.existing_or(record.email, lambda: self.build(record, ctx), ctx)

    def build(self, record: SourceProfessional, ctx: MappingContext) -> Professional:
        role = ROLES.get(record.role, StaffRole.ASSISTANT)
        reason = self.filter_reason(record, role, ctx)
        if reason:
            ctx.note(
                f"professional.filtered.{reason}",
                f"{record.given_name} {record.family_name} imported as inactive ({reason})",
                params={"name": f"{record.given_name} {record.family_name}".strip()},
            )
            role = StaffRole.ASSISTANT
        if len(record.phone) > 20:
            ctx.note("professional.phone_truncated", f"phone cut to 20 characters: {record.phone}")
        return build(
            Professional,
            clinic=ctx.clinic,
            given_name=cut(record.given_name or "Profesional", 150),
            family_name=cut(record.family_name or "—", 150),
            email=record.email,
            role=role,
            code=cut(record.code, 40),
            national_id=cut(record.national_id, 40),
            phone=record.phone[:20],
            is_active=reason is None,
            last_activity_on=record.last_activity_on,
        )

    def filter_reason(self, record, role, ctx: MappingContext) -> str | None:
        """Return why this professional is imported inactive, or None (§8.3 filters)."""
        options = ctx.options
        months = int(options.get("professional_min_activity_months", DEFAULT_MIN_ACTIVITY_MONTHS))
        recent = True
        if months and record.last_activity_on is not None:
            cutoff = dt.date.today() - dt.timedelta(days=months * 30)
            recent = record.last_activity_on >= cutoff
        if record.deactivated and options.get("exclude_inactive_professionals", True):
            return "inactive_in_source"
        orphan_filter = options.get("exclude_agenda_orphans", True)
        if record.is_agenda_orphan and orphan_filter and (months == 0 or not recent):
            return "agenda_orphan"
        if months and record.last_activity_on is None and record.is_agenda_orphan:
            return "no_activity_recorded"
        if months and not recent:
            return "no_recent_activity"
        if options.get("exclude_non_clinical", False) and role not in CLINICAL:
            return "non_clinical_role"
        return None


class UserMapper(StaffMapperMixin, BaseMapper):
    entity = "user"
    record = SourceUser
    model = Professional
    depends_on = ("professional",)

    def map(self, record: SourceUser, ctx: MappingContext):
        # An existing staff member keeps their role: never downgrade to receptionist.
        return self.existing_or(record.email, lambda: self.build(record, ctx), ctx)

    def build(self, record: SourceUser, ctx: MappingContext) -> Professional:
        return build(
            Professional,
            clinic=ctx.clinic,
            given_name=cut(record.given_name or "Usuario", 150),
            family_name=cut(record.family_name or "—", 150),
            email=record.email,
            role=StaffRole.RECEPTIONIST,
            is_active=not record.deactivated,
        )
