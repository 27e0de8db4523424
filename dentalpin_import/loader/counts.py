"""Per-entity-type counters of a run, and the report built from them."""

from dataclasses import dataclass

REPORT_KEYS = ("in_file", "created", "already_mapped", "raw", "failed")


@dataclass
class TypeCounts:
    """What happened to the rows of one entity type.

    `in_file == created + already_mapped + raw + skipped + failed` once the
    type is done. `linked` counts rows mapped onto clinic rows that already
    existed (they are part of `created` in the report, never deleted by undo).
    """

    in_file: int = 0
    created: int = 0
    linked: int = 0
    already_mapped: int = 0
    raw: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def processed(self) -> int:
        return self.created + self.already_mapped + self.raw + self.skipped + self.failed

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
            if name != "in_file":
                setattr(total, name, getattr(total, name) + value)
        return total

    def as_dict(self) -> dict[str, int]:
        # Not dataclasses.asdict: it deep-copies field by field, and the runner
        # builds these for every type at each progress save.
        return dict(self.__dict__)

    def report(self) -> dict[str, int]:
        """The five public figures; deliberately skipped rows count as failed."""
        return {
            "in_file": self.in_file,
            "created": self.created,
            "already_mapped": self.already_mapped,
            "raw": self.raw,
            "failed": self.failed + self.skipped,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "TypeCounts":
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})
