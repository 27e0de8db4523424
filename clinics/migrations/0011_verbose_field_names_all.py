"""Every other clinic field named in staff's words (admin, EN and ES)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import clinics.fields
import clinics.identifiers


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0010_verbose_field_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="appliedtreatment",
            name="amount",
            field=models.DecimalField(
                blank=True, decimal_places=3, max_digits=12, null=True, verbose_name="amount"
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="author",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="budget_line",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.budgetline",
                verbose_name="budget line",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="catalog_item",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.treatmentcatalogitem",
                verbose_name="catalog item",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="description",
            field=models.CharField(max_length=200, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="finished_on",
            field=models.DateField(blank=True, null=True, verbose_name="finished on"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="note",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.clinicalnote",
                verbose_name="note",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="odontogram_type",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="odontogram type"
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="applied_treatments",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="payer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.client",
                verbose_name="payer",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="scope",
            field=models.CharField(
                choices=[("whole_mouth", "Whole mouth"), ("teeth", "Per tooth")],
                max_length=12,
                verbose_name="scope",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="source_treatment_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="source treatment code"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="started_on",
            field=models.DateField(blank=True, null=True, verbose_name="started on"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="status",
            field=models.CharField(
                choices=[
                    ("performed", "Performed"),
                    ("planned", "Planned"),
                    ("unclear", "Unclear (legacy status)"),
                ],
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="status_code",
            field=models.IntegerField(blank=True, null=True, verbose_name="status code"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="teeth",
            field=models.JSONField(blank=True, default=list, verbose_name="teeth"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="units",
            field=models.PositiveIntegerField(default=1, verbose_name="units"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.treatmentcatalogvariant",
                verbose_name="variant",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="amount",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="amount"
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="executed_on",
            field=models.DateField(blank=True, null=True, verbose_name="executed on"),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="notes",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="percent_to_bill",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=6,
                null=True,
                verbose_name="percent to bill",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="phase_number",
            field=models.PositiveIntegerField(default=1, verbose_name="phase number"),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="status",
            field=models.CharField(
                choices=[
                    ("performed", "Performed"),
                    ("planned", "Planned"),
                    ("unclear", "Unclear (legacy status)"),
                ],
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="status_code",
            field=models.IntegerField(blank=True, null=True, verbose_name="status code"),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="treatment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="phases",
                to="clinics.appliedtreatment",
                verbose_name="treatment",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="chair",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="appointments",
                to="clinics.chair",
                verbose_name="chair",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="duration_minutes",
            field=models.PositiveIntegerField(default=30, verbose_name="duration minutes"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="professional",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="recurrence",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="appointments",
                to="clinics.appointmentrecurrence",
                verbose_name="recurrence",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="starts_at",
            field=models.DateTimeField(verbose_name="starts at"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("scheduled", "Scheduled"),
                    ("confirmed", "Confirmed"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                    ("cancelled", "Cancelled"),
                ],
                default="scheduled",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="duration_minutes",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="duration minutes"
            ),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="ends_on",
            field=models.DateField(blank=True, null=True, verbose_name="ends on"),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="appointment_recurrences",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="rule",
            field=models.CharField(blank=True, max_length=500, verbose_name="rule"),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="starts_on",
            field=models.DateField(blank=True, null=True, verbose_name="starts on"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="accepted_on",
            field=models.DateField(blank=True, null=True, verbose_name="accepted on"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="author",
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="discount_total",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="discount total"
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="number",
            field=models.CharField(db_index=True, max_length=30, verbose_name="number"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="budgets",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="quoted_on",
            field=models.DateField(blank=True, null=True, verbose_name="quoted on"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="rejected_on",
            field=models.DateField(blank=True, null=True, verbose_name="rejected on"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="rejection_notes",
            field=models.TextField(blank=True, verbose_name="rejection notes"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="source_number",
            field=models.IntegerField(blank=True, null=True, verbose_name="source number"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("accepted", "Accepted"), ("rejected", "Rejected")],
                default="draft",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="subtotal",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="subtotal"
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="tax_total",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="tax total"
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="title",
            field=models.CharField(blank=True, max_length=200, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="total",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="total"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="applied_treatment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="executed_lines",
                to="clinics.appliedtreatment",
                verbose_name="applied treatment",
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="budget",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="clinics.budget",
                verbose_name="budget",
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="catalog_item",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.treatmentcatalogitem",
                verbose_name="catalog item",
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="description",
            field=models.CharField(blank=True, max_length=200, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="discount_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="discount amount"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="discount_percent",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=6, verbose_name="discount percent"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="position",
            field=models.PositiveIntegerField(default=0, verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="source_applied_treatment_uuid",
            field=models.CharField(
                blank=True, max_length=36, verbose_name="source applied treatment uuid"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="subtotal",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="subtotal"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="teeth",
            field=models.JSONField(blank=True, default=list, verbose_name="teeth"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="tooth",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="tooth"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="total",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="total"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="unit_price",
            field=models.DecimalField(
                decimal_places=3, default=0, max_digits=12, verbose_name="unit price"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="units",
            field=models.PositiveIntegerField(default=1, verbose_name="units"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.treatmentcatalogvariant",
                verbose_name="variant",
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="vat_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="vat amount"
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="vat_percent",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=5, verbose_name="vat percent"
            ),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="code",
            field=models.CharField(blank=True, max_length=40, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="kind",
            field=models.CharField(db_index=True, max_length=40, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="chair",
            name="code",
            field=models.CharField(blank=True, max_length=40, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="chair",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="chair",
            name="name",
            field=models.CharField(max_length=50, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="client",
            name="address_postal_code",
            field=models.CharField(blank=True, max_length=20, verbose_name="address postal code"),
        ),
        migrations.AlterField(
            model_name="client",
            name="address_street",
            field=models.CharField(blank=True, max_length=300, verbose_name="address street"),
        ),
        migrations.AlterField(
            model_name="client",
            name="city",
            field=models.CharField(blank=True, max_length=120, verbose_name="city"),
        ),
        migrations.AlterField(
            model_name="client",
            name="email",
            field=models.CharField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="client",
            name="family_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="family name"),
        ),
        migrations.AlterField(
            model_name="client",
            name="given_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="given name"),
        ),
        migrations.AlterField(
            model_name="client",
            name="kind",
            field=models.CharField(default="person", max_length=20, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="client",
            name="legal_name",
            field=models.CharField(blank=True, max_length=300, verbose_name="legal name"),
        ),
        migrations.AlterField(
            model_name="client",
            name="national_id",
            field=clinics.identifiers.SealedIdentifierField(
                blank=True,
                digest_field="national_id_digest",
                max_length=40,
                verbose_name="national id",
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="national_id_digest",
            field=clinics.identifiers.DigestField(
                blank=True,
                db_index=True,
                default="",
                digest_of="national_id",
                editable=False,
                max_length=64,
                verbose_name="national id digest",
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="phone",
            field=models.CharField(blank=True, max_length=20, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="address",
            field=models.TextField(blank=True, verbose_name="address"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="centre_details",
            field=models.JSONField(blank=True, default=dict, verbose_name="centre details"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="country",
            field=models.CharField(default="ES", max_length=2, verbose_name="country"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="legal_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="legal name"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="phone",
            field=models.CharField(blank=True, max_length=40, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="slug",
            field=models.SlugField(max_length=60, unique=True, verbose_name="slug"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="tax_id",
            field=models.CharField(blank=True, max_length=40, verbose_name="tax id"),
        ),
        migrations.AlterField(
            model_name="clinic",
            name="timezone",
            field=models.CharField(default="Europe/Madrid", max_length=64, verbose_name="timezone"),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="clinical_notes",
                to="clinics.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="author",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="clinical_code",
            field=models.CharField(blank=True, max_length=20, verbose_name="clinical code"),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="code_system",
            field=models.CharField(
                blank=True,
                choices=[("", "None"), ("snomed", "SNOMED CT"), ("icd10", "ICD-10")],
                default="",
                max_length=8,
                verbose_name="code system",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="diagnosis",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="diagnosis"),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="kind",
            field=models.CharField(
                choices=[
                    ("clinical", "Clinical"),
                    ("administrative", "Administrative"),
                    ("general", "General"),
                ],
                default="clinical",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="note_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("gp_note", "GP note"),
                    ("consultation", "Consultation"),
                    ("triage", "Triage"),
                    ("referral", "Referral"),
                    ("dental_progress", "Dental progress"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=16,
                verbose_name="note type",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="clinical_notes",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="text",
            field=clinics.fields.EncryptedTextField(verbose_name="text"),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="written_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="written at"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="body",
            field=models.TextField(blank=True, verbose_name="body"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="channel",
            field=models.CharField(
                choices=[
                    ("sms", "SMS"),
                    ("email", "E-mail"),
                    ("phone", "Phone call"),
                    ("letter", "Letter"),
                    ("whatsapp", "WhatsApp"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=10,
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="communication",
            name="client",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.client",
                verbose_name="client",
            ),
        ),
        migrations.AlterField(
            model_name="communication",
            name="direction",
            field=models.CharField(
                choices=[
                    ("outbound", "Sent by the clinic"),
                    ("inbound", "Received by the clinic"),
                    ("unknown", "Unknown"),
                ],
                default="unknown",
                max_length=10,
                verbose_name="direction",
            ),
        ),
        migrations.AlterField(
            model_name="communication",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="communications",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="communication",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="source_extra",
            field=models.JSONField(blank=True, default=dict, verbose_name="source extra"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="status",
            field=models.CharField(blank=True, max_length=40, verbose_name="status"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="subject",
            field=models.CharField(blank=True, max_length=300, verbose_name="subject"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="consents",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="consent",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="consent",
            name="revoked_on",
            field=models.DateField(blank=True, null=True, verbose_name="revoked on"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="signed_on",
            field=models.DateField(blank=True, null=True, verbose_name="signed on"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="source_extra",
            field=models.JSONField(blank=True, default=dict, verbose_name="source extra"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="template_code",
            field=models.CharField(blank=True, max_length=60, verbose_name="template code"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="title",
            field=models.CharField(max_length=300, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="amount",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="amount"
            ),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="applied_on",
            field=models.DateField(blank=True, null=True, verbose_name="applied on"),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="debt",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="applications",
                to="clinics.ledgerentry",
                verbose_name="debt",
            ),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="payment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="applications",
                to="clinics.payment",
                verbose_name="payment",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="captured_on",
            field=models.DateField(blank=True, null=True, verbose_name="captured on"),
        ),
        migrations.AlterField(
            model_name="document",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="document",
            name="file",
            field=models.FileField(
                blank=True, max_length=500, upload_to="documents/", verbose_name="file"
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(blank=True, max_length=40, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="document",
            name="mime_type",
            field=models.CharField(blank=True, max_length=100, verbose_name="mime type"),
        ),
        migrations.AlterField(
            model_name="document",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="documents",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="sha256",
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name="sha256"),
        ),
        migrations.AlterField(
            model_name="document",
            name="size_bytes",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="size bytes"),
        ),
        migrations.AlterField(
            model_name="document",
            name="status",
            field=models.CharField(
                choices=[("awaiting", "Awaiting file"), ("stored", "Stored")],
                default="awaiting",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="thumbnail",
            field=models.FileField(
                blank=True, max_length=500, upload_to="thumbnails/", verbose_name="thumbnail"
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="title",
            field=models.CharField(max_length=255, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="client",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.client",
                verbose_name="client",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="issued_on",
            field=models.DateField(blank=True, null=True, verbose_name="issued on"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="issuer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="issuer",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="kind",
            field=models.CharField(default="F", max_length=10, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="number",
            field=models.CharField(max_length=50, verbose_name="number"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invoices",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="series",
            field=models.CharField(blank=True, max_length=20, verbose_name="series"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("issued", "Issued"),
                    ("sent", "Sent"),
                    ("paid", "Paid"),
                    ("cancelled", "Cancelled"),
                ],
                default="issued",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="subtotal",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="subtotal"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="tax_total",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="tax total"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="total",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="total"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="amount"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="base_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="base amount"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="concept",
            field=models.CharField(blank=True, max_length=500, verbose_name="concept"),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="discount_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="discount amount"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="invoice",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="clinics.invoice",
                verbose_name="invoice",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="line_number",
            field=models.PositiveIntegerField(default=1, verbose_name="line number"),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="unit_price",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="unit price"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="units",
            field=models.PositiveIntegerField(default=1, verbose_name="units"),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="vat_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="vat amount"
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="vat_percent",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=5, verbose_name="vat percent"
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="amount",
            field=models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="applied_treatment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="ledger_entries",
                to="clinics.appliedtreatment",
                verbose_name="applied treatment",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="applied_treatment_uuid",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="applied treatment uuid"
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="client",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.client",
                verbose_name="client",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="entry_date",
            field=models.DateField(blank=True, null=True, verbose_name="entry date"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="kind",
            field=models.CharField(
                choices=[("earned", "Earned (charged to the patient)")],
                default="earned",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="label",
            field=models.CharField(blank=True, max_length=300, verbose_name="label"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger_entries",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="phase_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="phase number"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="session_key",
            field=models.CharField(blank=True, max_length=80, verbose_name="session key"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="treatment_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="treatment number"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="clinical_code",
            field=models.CharField(blank=True, max_length=20, verbose_name="clinical code"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="code_system",
            field=models.CharField(
                blank=True,
                choices=[("", "None"), ("snomed", "SNOMED CT"), ("icd10", "ICD-10")],
                default="",
                max_length=8,
                verbose_name="code system",
            ),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="flagged",
            field=models.BooleanField(default=False, verbose_name="flagged"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("allergy", "Allergy"),
                    ("medication", "Medication"),
                    ("anticoagulant", "Anticoagulant"),
                    ("disease", "Disease or condition"),
                    ("anaesthesia_reaction", "Anaesthesia reaction"),
                    ("smoking", "Smoking"),
                    ("pregnancy", "Pregnancy"),
                    ("lactation", "Lactation"),
                    ("bruxism", "Bruxism"),
                ],
                max_length=24,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="name",
            field=models.CharField(max_length=300, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="onset_date",
            field=models.DateField(blank=True, null=True, verbose_name="onset date"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="medical_alerts",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="recorded_on",
            field=models.DateField(blank=True, null=True, verbose_name="recorded on"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="severity",
            field=models.CharField(
                choices=[
                    ("mild", "Mild"),
                    ("moderate", "Moderate"),
                    ("severe", "Severe"),
                    ("unspecified", "Unspecified"),
                ],
                default="unspecified",
                max_length=12,
                verbose_name="severity",
            ),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="status",
            field=models.CharField(
                choices=[("active", "Active"), ("resolved", "Resolved")],
                default="active",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="text",
            field=models.TextField(blank=True, verbose_name="text"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="dose",
            field=models.CharField(blank=True, max_length=120, verbose_name="dose"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="drug_name",
            field=models.CharField(max_length=300, verbose_name="drug name"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="instructions",
            field=models.TextField(blank=True, verbose_name="instructions"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="medications",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="medication",
            name="prescriber",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="prescriber",
            ),
        ),
        migrations.AlterField(
            model_name="medication",
            name="quantity",
            field=models.CharField(blank=True, max_length=60, verbose_name="quantity"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="route",
            field=models.CharField(blank=True, max_length=60, verbose_name="route"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="started_on",
            field=models.DateField(blank=True, null=True, verbose_name="started on"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("acute", "Acute"),
                    ("repeat", "Repeat"),
                    ("dispensed", "Dispensed"),
                    ("discontinued", "Discontinued"),
                    ("cancelled", "Cancelled"),
                    ("expired", "Expired"),
                ],
                default="active",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("admin", "Administrator"),
                    ("dentist", "Dentist"),
                    ("hygienist", "Hygienist"),
                    ("assistant", "Assistant"),
                    ("receptionist", "Receptionist"),
                ],
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="client",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="patient_links",
                to="clinics.client",
                verbose_name="client",
            ),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="is_default",
            field=models.BooleanField(default=False, verbose_name="is default"),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="client_links",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="relationship",
            field=models.CharField(blank=True, max_length=20, verbose_name="relationship"),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="valid_from",
            field=models.DateField(blank=True, null=True, verbose_name="valid from"),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="valid_to",
            field=models.DateField(blank=True, null=True, verbose_name="valid to"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="amount",
            field=models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="applied_treatment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="payments",
                to="clinics.appliedtreatment",
                verbose_name="applied treatment",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="applied_treatment_uuid",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="applied treatment uuid"
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="cashier",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="cashier",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="client",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.client",
                verbose_name="client",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="invoice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="payments",
                to="clinics.invoice",
                verbose_name="invoice",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="is_refund",
            field=models.BooleanField(default=False, verbose_name="is refund"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="method",
            field=models.CharField(
                choices=[
                    ("cash", "Cash"),
                    ("transfer", "Bank transfer"),
                    ("card", "Card"),
                    ("direct_debit", "Direct debit"),
                    ("insurance", "Insurance"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=20,
                verbose_name="method",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="paid_on",
            field=models.DateField(verbose_name="paid on"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="refund_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="refunds",
                to="clinics.payment",
                verbose_name="refund of",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="split_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="other_shares",
                to="clinics.payment",
                verbose_name="split of",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="split_total",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="split total"
            ),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="diagnosis",
            field=models.TextField(blank=True, verbose_name="diagnosis"),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="prescriptions",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="prescribed_on",
            field=models.DateField(blank=True, null=True, verbose_name="prescribed on"),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="prescriber",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="prescriber",
            ),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="source_extra",
            field=models.JSONField(blank=True, default=dict, verbose_name="source extra"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="drug_name",
            field=models.CharField(max_length=300, verbose_name="drug name"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="duration_days",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="duration days"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="frequency",
            field=models.CharField(blank=True, max_length=200, verbose_name="frequency"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="prescription",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="items",
                to="clinics.prescription",
                verbose_name="prescription",
            ),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="route",
            field=models.CharField(blank=True, max_length=60, verbose_name="route"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="source_extra",
            field=models.JSONField(blank=True, default=dict, verbose_name="source extra"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="units",
            field=models.CharField(blank=True, max_length=60, verbose_name="units"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="code",
            field=models.CharField(blank=True, max_length=40, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="email",
            field=models.CharField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="family_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="family name"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="given_name",
            field=models.CharField(max_length=150, verbose_name="given name"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="last_activity_on",
            field=models.DateField(blank=True, null=True, verbose_name="last activity on"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="national_id",
            field=clinics.identifiers.SealedIdentifierField(
                blank=True,
                digest_field="national_id_digest",
                max_length=40,
                verbose_name="national id",
            ),
        ),
        migrations.AlterField(
            model_name="professional",
            name="national_id_digest",
            field=clinics.identifiers.DigestField(
                blank=True,
                db_index=True,
                default="",
                digest_of="national_id",
                editable=False,
                max_length=64,
                verbose_name="national id digest",
            ),
        ),
        migrations.AlterField(
            model_name="professional",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="phone",
            field=models.CharField(blank=True, max_length=20, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="role",
            field=models.CharField(
                choices=[
                    ("dentist", "Dentist"),
                    ("hygienist", "Hygienist"),
                    ("assistant", "Assistant"),
                    ("receptionist", "Receptionist"),
                    ("admin", "Administrator"),
                ],
                default="assistant",
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name="professional",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="recall",
            name="comments",
            field=models.TextField(blank=True, verbose_name="comments"),
        ),
        migrations.AlterField(
            model_name="recall",
            name="due_on",
            field=models.DateField(blank=True, null=True, verbose_name="due on"),
        ),
        migrations.AlterField(
            model_name="recall",
            name="last_contact_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last contact at"),
        ),
        migrations.AlterField(
            model_name="recall",
            name="observations",
            field=models.TextField(blank=True, verbose_name="observations"),
        ),
        migrations.AlterField(
            model_name="recall",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="recalls",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="recall",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="recall",
            name="reason",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.catalogitem",
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="recall",
            name="result",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.catalogitem",
                verbose_name="result",
            ),
        ),
        migrations.AlterField(
            model_name="recall",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("no_answer", "Contacted, no answer"),
                    ("scheduled", "Contacted, appointment booked"),
                    ("done", "Done"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="code",
            field=models.CharField(blank=True, max_length=40, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="duration_minutes",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="duration minutes"
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="odontogram_type",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="odontogram type"
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="reference_price",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=12,
                null=True,
                verbose_name="reference price",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="vat_percent",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=5, verbose_name="vat percent"
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="code",
            field=models.CharField(blank=True, max_length=60, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="item",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="variants",
                to="clinics.treatmentcatalogitem",
                verbose_name="item",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="tariff_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="tariff code"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="unit_price",
            field=models.DecimalField(
                blank=True, decimal_places=3, max_digits=12, null=True, verbose_name="unit price"
            ),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="item",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="phase_templates",
                to="clinics.treatmentcatalogitem",
                verbose_name="item",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="percent_to_bill",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=6,
                null=True,
                verbose_name="percent to bill",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="phase_number",
            field=models.PositiveIntegerField(default=1, verbose_name="phase number"),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="professional",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="work_calendars",
                to="clinics.professional",
                verbose_name="professional",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="valid_from",
            field=models.DateField(blank=True, null=True, verbose_name="valid from"),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="valid_to",
            field=models.DateField(blank=True, null=True, verbose_name="valid to"),
        ),
        migrations.AlterField(
            model_name="workcalendarday",
            name="calendar",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="days",
                to="clinics.workcalendar",
                verbose_name="calendar",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendarday",
            name="is_working_day",
            field=models.BooleanField(default=True, verbose_name="is working day"),
        ),
        migrations.AlterField(
            model_name="workcalendarday",
            name="weekday",
            field=models.PositiveSmallIntegerField(verbose_name="weekday"),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="chair",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="shifts",
                to="clinics.chair",
                verbose_name="chair",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="day",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="shifts",
                to="clinics.workcalendarday",
                verbose_name="day",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="ends_at",
            field=models.TimeField(verbose_name="ends at"),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="starts_at",
            field=models.TimeField(verbose_name="starts at"),
        ),
    ]
