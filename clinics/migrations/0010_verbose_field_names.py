"""Clinic fields named in staff's words (admin): each record's clinic and times, a patient's."""

import django.db.models.deletion
from django.db import migrations, models

import clinics.identifiers


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0009_verbose_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appliedtreatment",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="appliedtreatment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="appliedtreatmentphase",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="appointmentrecurrence",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="budget",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="budget",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="budgetline",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="catalogitem",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="chair",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="chair",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="chair",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="client",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="client",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="clinicalnote",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="communication",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="communication",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="consent",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="consent",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="debtpaymentapplication",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="document",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="document",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="medicalalert",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="medication",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="medication",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="address_postal_code",
            field=models.CharField(blank=True, max_length=20, verbose_name="address postal code"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="address_street",
            field=models.CharField(blank=True, max_length=300, verbose_name="address street"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="billing_name",
            field=models.CharField(blank=True, max_length=300, verbose_name="billing name"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="billing_tax_id",
            field=clinics.identifiers.SealedCharField(
                blank=True, max_length=40, verbose_name="billing tax id"
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="chart_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="chart number"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="city",
            field=models.CharField(blank=True, max_length=120, verbose_name="city"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="date_of_birth",
            field=models.DateField(blank=True, null=True, verbose_name="date of birth"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="do_not_contact",
            field=models.BooleanField(default=False, verbose_name="do not contact"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="email",
            field=models.CharField(blank=True, db_index=True, max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="emergency_contact_name",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="emergency contact name"
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="emergency_contact_phone",
            field=models.CharField(
                blank=True, max_length=40, verbose_name="emergency contact phone"
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="family_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="family name"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="given_name",
            field=models.CharField(max_length=150, verbose_name="given name"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="is_archived",
            field=models.BooleanField(default=False, verbose_name="is archived"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="legacy_id",
            field=models.CharField(
                blank=True, db_index=True, max_length=60, verbose_name="legacy id"
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="national_id",
            field=clinics.identifiers.SealedIdentifierField(
                blank=True,
                digest_field="national_id_digest",
                max_length=40,
                verbose_name="national id",
            ),
        ),
        migrations.AlterField(
            model_name="patient",
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
            model_name="patient",
            name="national_id_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("dni", "Spanish DNI"),
                    ("nie", "Spanish NIE"),
                    ("nif", "Spanish NIF"),
                    ("cif", "Spanish company NIF"),
                    ("pt_nif", "Portuguese NIF"),
                    ("fr_nir", "French NIR"),
                    ("nhs", "NHS number"),
                    ("passport", "Passport"),
                    ("other", "Other document"),
                ],
                max_length=10,
                verbose_name="national id type",
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="phone",
            field=models.CharField(blank=True, max_length=20, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="registered_on",
            field=models.DateField(blank=True, null=True, verbose_name="registered on"),
        ),
        migrations.AlterField(
            model_name="patient",
            name="sex",
            field=models.CharField(
                blank=True,
                choices=[
                    ("male", "Male"),
                    ("female", "Female"),
                    ("other", "Other"),
                    ("undisclosed", "Prefer not to say"),
                ],
                max_length=12,
                verbose_name="sex",
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="patientclientlink",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="prescription",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="prescriptionitem",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="professional",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="professional",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="recall",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="recall",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="recall",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogitem",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="treatmentcatalogvariant",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="treatmentphasetemplate",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="workcalendar",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="workcalendarday",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendarday",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="workcalendarday",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="workcalendarshift",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
