"""The table of hostile inputs: one row per attack, what it is aimed at and how it must end.

Every row is run by `test_hostile_inputs.py` with the same checks: the answer is
the expected status with no traceback, nothing of any clinic changed (rows,
memberships and roles, existing jobs, tokens), and no plaintext is left in the
staging or upload folders. A row whose outcome is INERT is a file the importer
takes on purpose (its hostile values are data, not commands): it may write the
import, and its warnings spreadsheet must hold no live formula.
"""

from __future__ import annotations

from tests.adversarial.case import INERT, REFUSED, Case
from tests.adversarial.cases_files import COMMANDS, DISGUISES, SCHEMAS, SHEETS
from tests.adversarial.cases_people import (
    ADMIN,
    ANONYMOUS,
    GUESSING,
    JOB_URLS,
    OTHER_CLINIC,
    TOKENS,
    WITHOUT_RIGHTS,
)

__all__ = ["CASES", "INERT", "JOB_URLS", "REFUSED", "Case"]

CASES: list[Case] = [
    *SCHEMAS,
    *COMMANDS,
    *SHEETS,
    *DISGUISES,
    *OTHER_CLINIC,
    *WITHOUT_RIGHTS,
    *ANONYMOUS,
    *TOKENS,
    *ADMIN,
    *GUESSING,
]
