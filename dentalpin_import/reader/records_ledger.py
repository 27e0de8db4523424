"""Typed source records of the receivables: debts and their payment applications (§8.7).

Money is read as `Decimal` from its string form, never through a float.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from dentalpin_import.reader.records import SourceRecord


@dataclass(frozen=True, kw_only=True)
class SourceDebt(SourceRecord):
    entity_type: ClassVar[str] = "debt"
    patient_uuid: str | None
    client_uuid: str | None
    applied_treatment_uuid: str | None
    owed_amount: Decimal | None
    owed_amount_text: str
    due_date: dt.date | None
    cancelled_by_uuid: str | None
    uncollectible: bool
    uncollectible_description: str
    treatment_number: str
    phase_number: str

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "client_uuid": p.ref("client_uuid"),
            "applied_treatment_uuid": p.ref("applied_treatment_uuid"),
            "owed_amount": p.decimal("owed_amount"),
            "owed_amount_text": p.text("owed_amount"),
            "due_date": p.date("due_date"),
            "cancelled_by_uuid": p.ref("cancelled_by_uuid"),
            "uncollectible": bool(p.boolean("uncollectible")),
            "uncollectible_description": p.text("uncollectible_description"),
            "treatment_number": p.text("treatment_number"),
            "phase_number": p.text("phase_number"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceDebtPaymentApplication(SourceRecord):
    entity_type: ClassVar[str] = "debt_payment_application"
    debt_uuid: str | None
    payment_uuid: str | None
    amount: Decimal | None
    applied_on: dt.date | None

    @classmethod
    def read(cls, p):
        return {
            "debt_uuid": p.ref("debt_uuid"),
            "payment_uuid": p.ref("payment_uuid"),
            "amount": p.decimal("amount"),
            "applied_on": p.date("applied_on"),
        }
