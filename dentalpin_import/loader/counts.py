"""Per-entity-type counters of a run, and the report built from them."""

from dataclasses import dataclass

REPORT_KEYS = (
    "in_file",
    "created",
    "updated",
    "conflicts",
    "already_mapped",
    "raw",
    "failed",
    "skipped",
)


@dataclass
class TypeCounts:
    """What happened to the rows of one entity type.

    `in_file == created + updated + conflicts + already_mapped + raw + skipped
    + failed + ruled_out` once the type is done. `linked` counts rows mapped onto clinic rows
    that already existed (part of `created` here and in a DPMF file's report, a figure of
    their own in a sheet's; never deleted by undo). A later export of the clinic (a
    cutover) `updated` rows it changed, or left them with `conflicts` where the clinic
    changed the same fields; `missing` counts rows an earlier file had and this one has not (not
    rows of this file: outside the sum).
    """

    in_file: int = 0
    created: int = 0
    updated: int = 0
    conflicts: int = 0
    linked: int = 0
    already_mapped: int = 0
    raw: int = 0
    skipped: int = 0
    failed: int = 0
    # Rows the rules deliberately leave out (a voided or written-off debt, a payment of
    # 0): reported as `skipped`. The `skipped` above are rows left out for a problem (a
    # parent missing, a copy of a row), reported with the failed ones.
    ruled_out: int = 0
    missing: int = 0

    @property
    def processed(self) -> int:
        return (
            self.created
            + self.updated
            + self.conflicts
            + self.already_mapped
            + self.raw
            + self.skipped
            + self.failed
            + self.ruled_out
        )

    def snapshot(self) -> "TypeCounts":
        # Not copy.copy: it goes through __reduce_ex__, and the runner copies
        # every type's counters at each commit.
        return TypeCounts(**self.__dict__)

    def restore(self, earlier: "TypeCounts") -> None:
        """Go back to the figures of an earlier `snapshot()`."""
        self.__dict__.update(earlier.__dict__)

    def plus(self, other: "TypeCounts") -> "TypeCounts":
        """These counts with another process's rows of the same type added (not `in_file`)."""
        total = self.snapshot()
        for name, value in other.__dict__.items():
            if name not in ("in_file", "missing"):
                setattr(total, name, getattr(total, name) + value)
        return total

    def as_dict(self) -> dict[str, int]:
        # Not dataclasses.asdict: it deep-copies field by field, and the runner
        # builds these for every type at each progress save.
        return dict(self.__dict__)

    def report(self, linked_apart: bool = False) -> dict[str, int]:
        """The public figures (`REPORT_KEYS`): every row of the file in exactly one of them.

        Rows left out for a problem count as failed; rows the rules leave out, as skipped.
        `linked_apart` (a sheet's report) counts the rows linked to the clinic's own records
        as `linked`, not as `created`: created are the new rows only.
        """
        figures = {key: getattr(self, key) for key in REPORT_KEYS}
        figures["failed"] = self.failed + self.skipped
        figures["skipped"] = self.ruled_out
        if not linked_apart:
            return figures
        figures["created"] = self.created - self.linked
        ordered = {}
        for key, value in figures.items():
            ordered[key] = value
            if key == "created":
                ordered["linked"] = self.linked  # next to created, as the preview shows them
        return ordered

    @classmethod
    def from_dict(cls, data: dict) -> "TypeCounts":
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})
