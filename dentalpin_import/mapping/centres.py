"""`center` → details on the caller's own clinic record (FORMAT.md §8.3).

A centre never selects or creates a clinic: it only fills the selected
clinic's blank fields, and its whole payload is kept in `centre_details`.
"""

from clinics.models import Clinic
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.reader.records import SourceCenter

FILLABLE = ("legal_name", "tax_id", "address", "phone", "email")


class CenterMapper(BaseMapper):
    entity = "center"
    record = SourceCenter
    model = Clinic

    def map(self, record: SourceCenter, ctx: MappingContext) -> Clinic:
        ctx.state.setdefault("centres", []).append(record)
        return ctx.clinic  # already saved: the row is linked, never created

    def finish(self, ctx: MappingContext) -> None:
        centres = ctx.state.get("centres", [])
        if not centres:
            return
        clinic = Clinic.objects.get(pk=ctx.clinic.pk)
        first = centres[0]
        changes = {
            f: getattr(first, f)[: Clinic._meta.get_field(f).max_length]
            for f in FILLABLE
            if not getattr(clinic, f) and getattr(first, f)
        }
        details = dict(clinic.centre_details)
        details.update({c.canonical_uuid: c.details for c in centres})
        Clinic.objects.filter(pk=clinic.pk).update(centre_details=details, **changes)
