"""People of a clinic: staff, patients, payers and who pays for whom."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.identifiers import DigestField, SealedCharField, SealedIdentifierField
from clinics.models.base import ClinicOwned
from clinics.national_ids import NationalIdType


class StaffRole(models.TextChoices):
    DENTIST = "dentist", _("Dentist")
    HYGIENIST = "hygienist", _("Hygienist")
    ASSISTANT = "assistant", _("Assistant")
    RECEPTIONIST = "receptionist", _("Receptionist")
    ADMIN = "admin", _("Administrator")


class Professional(ClinicOwned):
    """A staff member of the clinic; optionally linked to a login user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    given_name = models.CharField(max_length=150, verbose_name=_("given name"))
    family_name = models.CharField(max_length=150, blank=True, verbose_name=_("family name"))
    email = models.CharField(max_length=254, blank=True, verbose_name=_("email"))
    role = models.CharField(
        max_length=20,
        choices=StaffRole.choices,
        default=StaffRole.ASSISTANT,
        verbose_name=_("role"),
    )
    code = models.CharField(max_length=40, blank=True, verbose_name=_("code"))
    # Encrypted; found by exact value through the digest (clinics/identifiers.py).
    national_id = SealedIdentifierField(
        max_length=40, blank=True, digest_field="national_id_digest", verbose_name=_("national id")
    )
    national_id_digest = DigestField(
        digest_of="national_id", db_index=True, verbose_name=_("national id digest")
    )
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    last_activity_on = models.DateField(null=True, blank=True, verbose_name=_("last activity on"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = ngettext_lazy("staff member", "staff members", 1)
        verbose_name_plural = ngettext_lazy("staff member", "staff members", 2)
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class Patient(ClinicOwned):
    """A person treated by the clinic."""

    given_name = models.CharField(max_length=150, verbose_name=_("given name"))
    family_name = models.CharField(max_length=150, blank=True, verbose_name=_("family name"))
    # Encrypted; found by exact value through the digest (clinics/identifiers.py).
    national_id = SealedIdentifierField(
        max_length=40, blank=True, digest_field="national_id_digest", verbose_name=_("national id")
    )
    # Found within a clinic only, through `patient_clinic_national` below: an index of
    # the digest alone was one more random write per patient and never read.
    national_id_digest = DigestField(digest_of="national_id", verbose_name=_("national id digest"))
    national_id_type = models.CharField(
        max_length=10,
        choices=NationalIdType.choices,
        blank=True,
        verbose_name=_("national id type"),
    )
    date_of_birth = models.DateField(null=True, blank=True, verbose_name=_("date of birth"))
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True, verbose_name=_("sex"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    email = models.CharField(max_length=254, blank=True, db_index=True, verbose_name=_("email"))
    address_street = models.CharField(max_length=300, blank=True, verbose_name=_("address street"))
    address_postal_code = models.CharField(
        max_length=20, blank=True, verbose_name=_("address postal code")
    )
    city = models.CharField(max_length=120, blank=True, verbose_name=_("city"))
    chart_number = models.CharField(max_length=40, blank=True, verbose_name=_("chart number"))
    # The id the patient had in a legacy system without canonical ids (CSV sheets).
    # Found within a clinic only, through `patient_clinic_legacy` below.
    legacy_id = models.CharField(max_length=60, blank=True, verbose_name=_("legacy id"))
    emergency_contact_name = models.CharField(
        max_length=200, blank=True, verbose_name=_("emergency contact name")
    )
    emergency_contact_phone = models.CharField(
        max_length=40, blank=True, verbose_name=_("emergency contact phone")
    )
    registered_on = models.DateField(null=True, blank=True, verbose_name=_("registered on"))
    billing_name = models.CharField(max_length=300, blank=True, verbose_name=_("billing name"))
    # A payer's national id.
    billing_tax_id = SealedCharField(max_length=40, blank=True, verbose_name=_("billing tax id"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    is_archived = models.BooleanField(default=False, verbose_name=_("is archived"))
    do_not_contact = models.BooleanField(default=False, verbose_name=_("do not contact"))

    class Meta:
        verbose_name = ngettext_lazy("patient", "patients", 1)
        verbose_name_plural = ngettext_lazy("patient", "patients", 2)
        ordering = ["family_name", "given_name"]
        # A sheet's rows name their patient by legacy id or national id, a chunk at a
        # time: without the clinic in front, SQLite walks the clinic's whole patient list
        # for each chunk (its clinic index wins over the IN list).
        indexes = [
            models.Index(fields=["clinic", "legacy_id"], name="patient_clinic_legacy"),
            models.Index(fields=["clinic", "national_id_digest"], name="patient_clinic_national"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Client(ClinicOwned):
    """A payer: the person or company that pays for one or more patients."""

    kind = models.CharField(max_length=20, default="person", verbose_name=_("kind"))
    given_name = models.CharField(max_length=150, blank=True, verbose_name=_("given name"))
    family_name = models.CharField(max_length=150, blank=True, verbose_name=_("family name"))
    legal_name = models.CharField(max_length=300, blank=True, verbose_name=_("legal name"))
    # Encrypted; found by exact value through the digest (clinics/identifiers.py).
    national_id = SealedIdentifierField(
        max_length=40, blank=True, digest_field="national_id_digest", verbose_name=_("national id")
    )
    national_id_digest = DigestField(
        digest_of="national_id", db_index=True, verbose_name=_("national id digest")
    )
    email = models.CharField(max_length=254, blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    address_street = models.CharField(max_length=300, blank=True, verbose_name=_("address street"))
    address_postal_code = models.CharField(
        max_length=20, blank=True, verbose_name=_("address postal code")
    )
    city = models.CharField(max_length=120, blank=True, verbose_name=_("city"))

    class Meta:
        verbose_name = ngettext_lazy("payer", "payers", 1)
        verbose_name_plural = ngettext_lazy("payer", "payers", 2)

    def __str__(self) -> str:
        return self.legal_name or f"{self.given_name} {self.family_name}".strip() or "—"


class PatientClientLink(ClinicOwned):
    """Who pays for whom (many to many, with validity)."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="client_links",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="patient_links", verbose_name=_("client")
    )
    relationship = models.CharField(max_length=20, blank=True, verbose_name=_("relationship"))
    valid_from = models.DateField(null=True, blank=True, verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    is_default = models.BooleanField(default=False, verbose_name=_("is default"))

    class Meta:
        verbose_name = ngettext_lazy(
            "link between a patient and a payer", "links between patients and payers", 1
        )
        verbose_name_plural = ngettext_lazy(
            "link between a patient and a payer", "links between patients and payers", 2
        )

    def __str__(self) -> str:
        names = {"patient": self.patient, "client": self.client}
        return _("%(patient)s, paid by %(client)s") % names
