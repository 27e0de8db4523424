"""`center` → details on the caller's own clinic record (FORMAT.md §8.3).

A centre never selects or creates a clinic (§12.2): every centre row maps to
the clinic the operator chose. The first centre fills that clinic's blank
fields (legal name, tax id, address — built from street, postcode and city
when there is no one-line address —, phone, email; cut to fit with a warning);
a value the clinic already has is kept and the difference reported. Every
centre's whole payload is kept in `centre_details`, keyed by its canonical id.
"""

from clinics.models import Clinic
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.records import SourceCenter

FILLABLE = ("legal_name", "tax_id", "address", "phone", "email")


class CenterMapper(BaseMapper):
    entity = "center"
    record = SourceCenter
    model = Clinic

    def map(self, record: SourceCenter, ctx: MappingContext) -> Clinic:
        return ctx.clinic  # already saved: the row is linked, never created

    def finish(self, ctx: MappingContext) -> None:
        # The centres this job mapped, read again from the file: an attempt that
        # stopped before this pass mapped them but never filled the clinic.
        mapped = set(ctx.mappings_of_run(self.entity).values_list("canonical_uuid", flat=True))
        if not mapped or ctx.source is None:
            return
        centres = [SourceCenter.from_row(row) for row in ctx.source.rows_among(self.entity, mapped)]
        if not centres:
            return
        clinic = Clinic.objects.get(pk=ctx.clinic.pk)
        first = centres[0]
        changes = {}
        for f in FILLABLE:
            theirs, ours = getattr(first, f), getattr(clinic, f)
            if theirs and not ours:
                changes[f] = fill(f, theirs, ctx)
            elif theirs and ours != theirs:
                ctx.note(
                    "center.kept_clinic_value",
                    f"the clinic's {f} {ours!r} is kept; the file says {theirs!r}",
                    params={"detail": f},
                )
        if len(centres) > 1:
            ctx.note(
                "center.several",
                f"{len(centres)} centres in the file: the first fills the clinic, "
                "all are kept in its centre details",
                params={"n": len(centres)},
            )
        details = dict(clinic.centre_details)
        details.update({c.canonical_uuid: c.details for c in centres})
        Clinic.objects.filter(pk=clinic.pk).update(centre_details=details, **changes)


def fill(name: str, value: str, ctx: MappingContext) -> str:
    """`value` cut to the clinic's field, with the warning the loader gives a cut (`loader.fit`):
    the clinic row is updated here, where the loader does not look."""
    limit = Clinic._meta.get_field(name).max_length
    if not limit or len(value) <= limit:
        return value
    label = f"Clinic.{name}"
    ctx.note(
        "text.cut_to_length",
        f"{label} was longer than the {limit} characters it holds: cut to fit",
        severity="warn",
        params={"field": label},
    )
    return str(cut(value, limit))
