"""`fiscal_document` → `clinics.Invoice`, `fiscal_document_line` → `InvoiceLine` (§8.7, §11).

Header totals are a legal record and copied verbatim (a stray third decimal is
rounded, with a warning). The legal fields are kept only when the `verifactu`
app is installed and the operator opted in; otherwise one warning per document
says they were dropped.
"""

from decimal import Decimal

from django.apps import apps

from clinics.models import Invoice, InvoiceLine, InvoiceStatus
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.clients import patients_by_client
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.legal import LEGAL_FIELDS, column_value, regime
from dentalpin_import.reader.records import SourceFiscalDocument, SourceFiscalDocumentLine
from dentalpin_import.reader.values import ROUNDED, to_cents

STATUSES = set(InvoiceStatus.values)
CENT = Decimal("0.01")


def verifactu_installed() -> bool:
    return apps.is_installed("verifactu")


class FiscalDocumentMapper(BaseMapper):
    entity = "fiscal_document"
    record = SourceFiscalDocument
    model = Invoice
    depends_on = ("patient", "client", "user", "professional")

    def references(self, record: SourceFiscalDocument):
        yield "patient", record.patient_uuid
        yield "client", record.client_uuid
        yield "client", record.guardian_client_uuid
        yield "user", record.user_uuid
        yield "professional", record.user_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        clients = {ctx.resolve("client", r.client_uuid) for r in records}
        clients |= {ctx.resolve("client", r.guardian_client_uuid) for r in records}
        ctx.chunk["family"] = patients_by_client(ctx.clinic, clients - {None})

    def map(self, record: SourceFiscalDocument, ctx: MappingContext):
        client_id = ctx.resolve("client", record.client_uuid)
        invoice = build(
            Invoice,
            clinic=ctx.clinic,
            patient_id=self.patient(record, client_id, ctx),
            client_id=client_id or ctx.resolve("client", record.guardian_client_uuid),
            issuer_id=ctx.resolve("user", record.user_uuid)
            or ctx.resolve("professional", record.user_uuid),
            number=cut(self.number(record), 50),
            series=cut(record.series, 20),
            kind=cut(record.document_kind, 10),
            issued_on=record.issued_on,
            subtotal=cents(record.subtotal, "subtotal", ctx),
            tax_total=cents(record.tax_total, "tax_total", ctx),
            total=cents(record.total, "total", ctx),
            status=record.status if record.status in STATUSES else InvoiceStatus.ISSUED,
        )
        if record.total is None:
            ctx.note("fiscal_document.no_total", "invoice without a total: 0.00", severity="warn")
        return [invoice, *self.legal(record, invoice, ctx)]

    @staticmethod
    def number(record: SourceFiscalDocument) -> str:
        """Legal numbering `<series>-<year>-<number>`; series MIG when the source has none."""
        return (
            f"{record.series or 'MIG'}-{record.year or '0000'}-{record.number or record.source_id}"
        )

    def patient(self, record, client_id, ctx: MappingContext) -> int | None:
        direct = ctx.resolve("patient", record.patient_uuid)
        if direct is not None:
            return direct
        guardian = ctx.resolve("client", record.guardian_client_uuid)
        for payer in (client_id, guardian):
            family = ctx.chunk["family"].get(payer, [])
            if len(family) > 1:
                ctx.note(
                    "fiscal_document.family_billing",
                    f"billed to {len(family)} patients",
                    params={"n": len(family)},
                )
            if family:
                return family[0]
        ctx.note("fiscal_document.no_patient", "invoice kept without a patient", severity="warn")
        return None

    def legal(self, record: SourceFiscalDocument, invoice: Invoice, ctx: MappingContext):
        if not record.legal:
            return []
        if not verifactu_installed():
            ctx.note(
                "verifactu.skipped",
                "legal fields dropped: module not installed",
                raw_data=record.legal,
            )
            return []
        if not ctx.options.get("import_verifactu"):
            ctx.note(
                "verifactu.opt_out", "legal fields dropped: not opted in", raw_data=record.legal
            )
            return []
        from verifactu.models import FiscalLegalRecord

        legal = record.legal
        return [
            build(
                FiscalLegalRecord,
                clinic=ctx.clinic,
                invoice=invoice,
                regime=regime(legal),
                **{key: column_value(legal[key]) for key in LEGAL_FIELDS if key in legal},
                extra={k: v for k, v in legal.items() if k not in LEGAL_FIELDS},
            )
        ]


def cents(amount: Decimal | None, name: str, ctx: MappingContext) -> Decimal:
    """A legal total to the cent: a stray third decimal is rounded half-up, never dropped,
    and said as the loader says it of any column it rounds (`loader.fit`)."""
    amount = amount or Decimal(0)
    rounded = to_cents(amount)
    if rounded != amount:
        label = f"Invoice.{name}"
        message = f"{label} keeps 2 decimals: rounded"
        ctx.note(ROUNDED, message, severity="warn", params={"field": label})
    return rounded


class FiscalDocumentLineMapper(BaseMapper):
    entity = "fiscal_document_line"
    record = SourceFiscalDocumentLine
    model = InvoiceLine
    depends_on = ("fiscal_document",)

    def references(self, record):
        yield "fiscal_document", record.document_uuid

    def map(self, record: SourceFiscalDocumentLine, ctx: MappingContext) -> InvoiceLine:
        if not record.document_uuid:
            raise MappingWarning("fiscal_document_line.no_document", "line without a document")
        invoice_id = ctx.resolve("fiscal_document", record.document_uuid)
        if invoice_id is None:
            ctx.check_left_out(
                "fiscal_document", record.document_uuid, code=self.entity, what="document"
            )
            raise MappingWarning(
                "fiscal_document_line.unmapped_document",
                f"document {record.document_uuid} is not in the file or not imported",
            )
        units = max(record.units or 1, 1)
        base = record.base_amount if record.base_amount is not None else record.amount
        return build(
            InvoiceLine,
            clinic=ctx.clinic,
            invoice_id=invoice_id,
            line_number=max(record.line_number or 1, 0),
            concept=cut(record.concept, 500),
            units=units,
            unit_price=((base or Decimal(0)) / units).quantize(CENT),
            base_amount=base or Decimal(0),
            vat_percent=record.vat_percent or Decimal(0),
            vat_amount=record.vat_amount or Decimal(0),
            discount_amount=record.discount_amount or Decimal(0),
            amount=record.amount or Decimal(0),
        )
