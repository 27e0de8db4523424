"""Clinic models named in the staff's language (admin, EN and ES), as the importer names them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0008_national_id_types"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="appliedtreatment",
            options={
                "ordering": ["patient", "-started_on"],
                "verbose_name": "treatment done",
                "verbose_name_plural": "treatments done",
            },
        ),
        migrations.AlterModelOptions(
            name="appliedtreatmentphase",
            options={
                "ordering": ["treatment", "phase_number"],
                "verbose_name": "session of a treatment",
                "verbose_name_plural": "sessions of treatments",
            },
        ),
        migrations.AlterModelOptions(
            name="appointment",
            options={
                "ordering": ["-starts_at"],
                "verbose_name": "appointment",
                "verbose_name_plural": "appointments",
            },
        ),
        migrations.AlterModelOptions(
            name="appointmentrecurrence",
            options={
                "ordering": ["starts_on"],
                "verbose_name": "repeating appointment rule",
                "verbose_name_plural": "repeating appointment rules",
            },
        ),
        migrations.AlterModelOptions(
            name="budget",
            options={
                "ordering": ["-quoted_on", "number"],
                "verbose_name": "budget",
                "verbose_name_plural": "budgets",
            },
        ),
        migrations.AlterModelOptions(
            name="budgetline",
            options={
                "ordering": ["budget", "position", "id"],
                "verbose_name": "budget line",
                "verbose_name_plural": "budget lines",
            },
        ),
        migrations.AlterModelOptions(
            name="catalogitem",
            options={
                "ordering": ["kind", "name"],
                "verbose_name": "catalogue value",
                "verbose_name_plural": "catalogue values",
            },
        ),
        migrations.AlterModelOptions(
            name="chair",
            options={
                "ordering": ["name"],
                "verbose_name": "chair",
                "verbose_name_plural": "chairs",
            },
        ),
        migrations.AlterModelOptions(
            name="client",
            options={"verbose_name": "payer", "verbose_name_plural": "payers"},
        ),
        migrations.AlterModelOptions(
            name="clinic",
            options={
                "ordering": ["name"],
                "verbose_name": "clinic",
                "verbose_name_plural": "clinics",
            },
        ),
        migrations.AlterModelOptions(
            name="clinicalnote",
            options={
                "ordering": ["patient", "-written_at"],
                "verbose_name": "clinical note",
                "verbose_name_plural": "clinical notes",
            },
        ),
        migrations.AlterModelOptions(
            name="communication",
            options={
                "ordering": ["-sent_at"],
                "verbose_name": "message to a patient",
                "verbose_name_plural": "messages to patients",
            },
        ),
        migrations.AlterModelOptions(
            name="consent",
            options={
                "ordering": ["patient", "-signed_on"],
                "verbose_name": "consent",
                "verbose_name_plural": "consents",
            },
        ),
        migrations.AlterModelOptions(
            name="debtpaymentapplication",
            options={
                "ordering": ["debt", "applied_on"],
                "verbose_name": "payment applied to a debt",
                "verbose_name_plural": "payments applied to debts",
            },
        ),
        migrations.AlterModelOptions(
            name="document",
            options={
                "ordering": ["-created_at"],
                "verbose_name": "patient document",
                "verbose_name_plural": "patient documents",
            },
        ),
        migrations.AlterModelOptions(
            name="invoice",
            options={
                "ordering": ["-issued_on", "number"],
                "verbose_name": "invoice",
                "verbose_name_plural": "invoices",
            },
        ),
        migrations.AlterModelOptions(
            name="invoiceline",
            options={
                "ordering": ["invoice", "line_number"],
                "verbose_name": "invoice line",
                "verbose_name_plural": "invoice lines",
            },
        ),
        migrations.AlterModelOptions(
            name="ledgerentry",
            options={
                "ordering": ["patient", "entry_date", "pk"],
                "verbose_name": "debt",
                "verbose_name_plural": "debts",
            },
        ),
        migrations.AlterModelOptions(
            name="medicalalert",
            options={
                "ordering": ["patient", "kind", "name"],
                "verbose_name": "medical alert",
                "verbose_name_plural": "medical alerts",
            },
        ),
        migrations.AlterModelOptions(
            name="medication",
            options={
                "ordering": ["patient", "-started_on"],
                "verbose_name": "medication",
                "verbose_name_plural": "medications",
            },
        ),
        migrations.AlterModelOptions(
            name="membership",
            options={
                "verbose_name": "clinic membership",
                "verbose_name_plural": "clinic memberships",
            },
        ),
        migrations.AlterModelOptions(
            name="patient",
            options={
                "ordering": ["family_name", "given_name"],
                "verbose_name": "patient",
                "verbose_name_plural": "patients",
            },
        ),
        migrations.AlterModelOptions(
            name="patientclientlink",
            options={
                "verbose_name": "link between a patient and a payer",
                "verbose_name_plural": "links between patients and payers",
            },
        ),
        migrations.AlterModelOptions(
            name="payment",
            options={
                "ordering": ["-paid_on"],
                "verbose_name": "payment",
                "verbose_name_plural": "payments",
            },
        ),
        migrations.AlterModelOptions(
            name="prescription",
            options={
                "ordering": ["patient", "-prescribed_on"],
                "verbose_name": "prescription",
                "verbose_name_plural": "prescriptions",
            },
        ),
        migrations.AlterModelOptions(
            name="prescriptionitem",
            options={
                "ordering": ["prescription", "pk"],
                "verbose_name": "prescribed medicine",
                "verbose_name_plural": "prescribed medicines",
            },
        ),
        migrations.AlterModelOptions(
            name="professional",
            options={
                "ordering": ["family_name", "given_name"],
                "verbose_name": "staff member",
                "verbose_name_plural": "staff members",
            },
        ),
        migrations.AlterModelOptions(
            name="recall",
            options={
                "ordering": ["due_on"],
                "verbose_name": "recall",
                "verbose_name_plural": "recalls",
            },
        ),
        migrations.AlterModelOptions(
            name="treatmentcatalogitem",
            options={
                "ordering": ["name"],
                "verbose_name": "treatment in the catalogue",
                "verbose_name_plural": "treatments in the catalogue",
            },
        ),
        migrations.AlterModelOptions(
            name="treatmentcatalogvariant",
            options={
                "ordering": ["item", "tariff_code"],
                "verbose_name": "treatment variant in the catalogue",
                "verbose_name_plural": "treatment variants in the catalogue",
            },
        ),
        migrations.AlterModelOptions(
            name="treatmentphasetemplate",
            options={
                "ordering": ["item", "phase_number"],
                "verbose_name": "treatment phase template",
                "verbose_name_plural": "treatment phase templates",
            },
        ),
        migrations.AlterModelOptions(
            name="workcalendar",
            options={
                "ordering": ["name"],
                "verbose_name": "work calendar",
                "verbose_name_plural": "work calendars",
            },
        ),
        migrations.AlterModelOptions(
            name="workcalendarday",
            options={
                "ordering": ["calendar", "weekday"],
                "verbose_name": "working day",
                "verbose_name_plural": "working days",
            },
        ),
        migrations.AlterModelOptions(
            name="workcalendarshift",
            options={
                "ordering": ["day", "starts_at"],
                "verbose_name": "work shift",
                "verbose_name_plural": "work shifts",
            },
        ),
    ]
