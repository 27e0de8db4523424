"""Which rows of an earlier export a later one changes, drops or adds, and how.

The rules stay with rows an import takes cleanly (a patient with a name, an
appointment of a known patient on a real date…), so the later file's changes
are exactly the ones an import should report: the awkward rows every sample
carries are never the changed or removed ones.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from decimal import Decimal, InvalidOperation

from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.sample import people
from dentalpin_import.sample.writer import EntityRow

SURVEYED = (
    "professional",
    "client",
    "patient",
    "appointment",
    "payment",
    "recall",
    "patient_alert",
    "communication",
    "pharmacological_history",
)
CHANGEABLE = ("patient", "client", "appointment", "payment", "recall", "patient_alert")
# Rows nothing else in the file points at: deleting them in the old system leaves no hole.
REMOVABLE = ("appointment", "patient_alert", "recall", "communication", "pharmacological_history")
NEW_TYPES = ("patient", "appointment", "payment", "patient_alert", "recall")
NUMBERED = re.compile(r"^(\d+-)?(\d+)$")
NIE_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


class LaterExportError(ValueError):
    """The later export cannot be written as asked (too many changes for the file, a bad count)."""


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _time_ok(value) -> bool:
    try:
        dt.time.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class Survey:
    """What the earlier file holds, read once: keys, references and the candidate rows."""

    def __init__(self, system: str):
        self.system = system
        self.sids: dict[str, set[str]] = {t: set() for t in SURVEYED}
        self.patients: dict[str, str] = {}  # canonical id -> source id
        self.clients: dict[str, str] = {}
        self.professionals: list[str] = []
        self.national_ids: Counter = Counter()
        self.patient_ids: dict[str, str] = {}  # candidate patient -> its national id
        self.candidates: dict[str, list[str]] = {t: [] for t in SURVEYED}
        self.removables: dict[str, list[str]] = {t: [] for t in REMOVABLE}
        self.changes = 0
        self.fresh = 0
        self.picks: dict[str, list[str]] = {}
        self.numbering: list = ["", 0]

    def add(self, entity_type: str, uuid: str, source_id: str, payload) -> None:
        """Note one earlier row (types in `SURVEYED` order, so people come before their visits)."""
        self.sids[entity_type].add(source_id)
        if not isinstance(payload, dict):
            return
        if entity_type == "professional":
            self.professionals.append(uuid)
        elif entity_type == "client":
            self.clients[uuid] = source_id
            if payload.get("given_name") or payload.get("family_name"):
                self.candidates["client"].append(uuid)
        elif entity_type == "patient":
            self._add_patient(uuid, source_id, payload)
        elif payload.get("patient_uuid") in self.patient_ids or entity_type == "payment":
            if entity_type in REMOVABLE:
                self.removables[entity_type].append(uuid)
            if entity_type in CHANGEABLE and self._changeable(entity_type, payload):
                self.candidates[entity_type].append(uuid)

    def _add_patient(self, uuid: str, source_id: str, payload: dict) -> None:
        self.patients[uuid] = source_id
        national = str(payload.get("national_id") or "")
        self.national_ids[national] += 1
        born = _date(payload.get("date_of_birth"))
        phone = str(payload.get("mobile_phone") or "")
        if (
            payload.get("given_name")
            and payload.get("family_name")
            and born is not None
            and born.year >= 1900
            and (not phone or phone.isdigit())
        ):
            self.patient_ids[uuid] = national
            self.candidates["patient"].append(uuid)

    def _changeable(self, entity_type: str, payload: dict) -> bool:
        if entity_type == "appointment":
            return (
                _date(payload.get("scheduled_date")) is not None
                and _time_ok(payload.get("scheduled_time"))
                and payload.get("professional_uuid") in self.professionals
            )
        if entity_type == "payment":
            amount = _amount(payload.get("amount"))
            return amount is not None and amount > 0 and payload.get("client_uuid") in self.clients
        if entity_type == "recall":
            return _date(payload.get("scheduled_date")) is not None
        return entity_type == "patient_alert"

    def removable(self) -> dict[str, list[str]]:
        return {t: keys for t, keys in self.removables.items() if keys}

    def changeable(self, gone: dict[str, set]) -> dict[str, list[str]]:
        """Candidates not removed; patients sharing a national id are left alone (merged rows)."""
        pools = {}
        for entity_type in CHANGEABLE:
            dropped = gone.get(entity_type, set())
            keys = [k for k in self.candidates[entity_type] if k not in dropped]
            if entity_type == "patient":
                keys = [k for k in keys if self.national_ids[self.patient_ids[k]] == 1]
            if keys:
                pools[entity_type] = keys
        return pools

    def key(self, row: EntityRow) -> str:
        return canonical_uuid(self.system, row.entity_type, row.source_id)

    def change(self, entity_type: str, payload: dict) -> dict:
        """`payload` as the old system holds it now: other values, never the same ones."""
        self.changes += 1
        k = self.changes
        if entity_type == "patient":
            return {
                **payload,
                "mobile_phone": f"69{k:07d}",
                "email": f"paciente.nuevo{k}@correo.test",
            }
        if entity_type == "client":
            return {
                **payload,
                "mobile_phone": f"68{k:07d}",
                "email": f"cliente.nuevo{k}@correo.test",
                "address_street": f"Calle Nueva {k}",
            }
        if entity_type == "appointment":
            moved = _date(payload["scheduled_date"]) + dt.timedelta(days=7)
            changed = {**payload, "scheduled_date": moved.isoformat()}
            if k % 2 and len(self.professionals) > 1:  # moved to another professional
                at = self.professionals.index(payload["professional_uuid"])
                changed["professional_uuid"] = self.professionals[
                    (at + 1) % len(self.professionals)
                ]
            return changed
        if entity_type == "payment":
            corrected = _amount(payload["amount"]) + Decimal("10.00")
            return {**payload, "amount": str(corrected.quantize(Decimal("0.01")))}
        if entity_type == "recall":
            later = _date(payload["scheduled_date"]) + dt.timedelta(days=30)
            return {**payload, "scheduled_date": later.isoformat()}
        alerts = [a for a in people.ALERTS if a != payload.get("text")]
        return {**payload, "text": alerts[k % len(alerts)]}

    def new_rows(self, n: int, rng: random.Random) -> list[EntityRow]:
        """`n` rows the old system gained since: patients, visits, payments, alerts, recalls."""
        kinds = [t for t in NEW_TYPES if self._can_add(t)]
        if n and not kinds:
            raise LaterExportError("the earlier file has no patients to add rows to")
        # Sorted once, so each new row is a cheap pick (a 10,000-patient file adds thousands).
        self.picks = {
            "clients": sorted(self.clients),
            "patients": sorted(self.patient_ids),
            "payers": sorted(self.candidates["client"]),
            "fresh": [],
        }
        self.numbering = self._numbering()
        added: list[EntityRow] = []
        for i in range(n):
            kind = kinds[i % len(kinds)]
            row = self._new_patient(rng) if kind == "patient" else self._new_of(kind, rng)
            self.sids[kind].add(row.source_id)
            added.append(row)
        return added

    def _can_add(self, kind: str) -> bool:
        if kind == "patient":
            return bool(self.clients or self.patients)
        if kind == "payment":
            return bool(self.candidates["client"]) and bool(self.sids["payment"])
        return bool(self.patient_ids) and bool(self.sids[kind])

    def _numbering(self) -> list:
        """[prefix, last number] of the patients' ids (`7-` and 15 for `7-1` … `7-15`)."""
        numbered = [m.groups() for sid in self.sids["patient"] if (m := NUMBERED.match(sid))]
        prefix = Counter(p or "" for p, _ in numbered).most_common(1)[0][0] if numbered else "L"
        top = max((int(n) for p, n in numbered if (p or "") == prefix), default=0)
        return [prefix, top]

    def _next_patient_id(self) -> str:
        prefix = self.numbering[0]
        self.numbering[1] += 1
        while f"{prefix}{self.numbering[1]}" in self.sids["patient"]:
            self.numbering[1] += 1
        return f"{prefix}{self.numbering[1]}"

    def _new_patient(self, rng: random.Random) -> EntityRow:
        self.fresh += 1
        sid = self._next_patient_id()
        number = 1_000_000 + self.fresh
        clients = self.picks["clients"]
        client = self.clients[rng.choice(clients)] if clients else None
        payload = {
            "given_name": rng.choice(people.GIVEN),
            "family_name": f"{rng.choice(people.FAMILY)} {rng.choice(people.FAMILY)}",
            "national_id": f"Y{number % 10**7:07d}{NIE_LETTERS[(10**7 + number % 10**7) % 23]}",
            "date_of_birth": f"{rng.randrange(1950, 2015)}-{rng.randrange(1, 13):02d}-15",
            "sex": rng.choice(["male", "female"]),
            "patient_number": f"N{self.fresh}",
            "registered_at": "2026-06-01",
            "gdpr_consent": True,
            "sms_consent": True,
            "mobile_phone": f"67{self.fresh:07d}",
            "email": f"alta{self.fresh}@correo.test",
            "notes": "",
            "tenant_label": "fake-clinic",
        }
        raw = {"IdPac": sid, "IdCliDefec": client} if client else {"IdPac": sid}
        row = EntityRow("patient", sid, payload, raw)
        self.patients[self.key(row)] = sid
        self.picks["fresh"].append(self.key(row))
        return row

    def _new_of(self, kind: str, rng: random.Random) -> EntityRow:
        patient = rng.choice(self.picks["fresh"] or self.picks["patients"])
        stem = self.patients[patient]
        j = 1
        while f"{stem}-L{j}" in self.sids[kind]:
            j += 1
        sid = f"{stem}-L{j}"
        professional = rng.choice(self.professionals) if self.professionals else None
        if kind == "appointment":
            payload = {
                "patient_uuid": patient,
                "professional_uuid": professional,
                "scheduled_date": f"2026-{rng.randrange(7, 13):02d}-{rng.randrange(1, 29):02d}",
                "scheduled_time": f"{rng.randrange(9, 20):02d}:00:00",
                "duration_minutes": 30,
                "coarse_status": "scheduled",
                "notes": "",
            }
        elif kind == "payment":
            payload = {
                "client_uuid": rng.choice(self.picks["payers"]),
                "amount": rng.choice(["40.00", "75.50", "120.00"]),
                "paid_on": "2026-06-02",
                "payment_kind": 1,
                "notes": "Pago a cuenta",
            }
        elif kind == "patient_alert":
            payload = {"patient_uuid": patient, "text": rng.choice(people.ALERTS), "flagged": True}
        else:
            payload = {
                "patient_uuid": patient,
                "professional_uuid": professional,
                "scheduled_date": "2027-03-01",
                "scheduled": False,
                "comments": "Revisión anual",
            }
        return EntityRow(kind, sid, {**payload, "tenant_label": "fake-clinic"})
