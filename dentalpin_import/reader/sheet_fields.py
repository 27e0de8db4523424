"""The fields of the four spreadsheets: names, labels, required flags, examples, header aliases.

Field names are stable (mapping files and saved mappings hold them). Each field
has its template header per language (`headers`, which `sheet_headers.recognise`
accepts) and the other headers clinics and vendors write (`aliases`): English,
Spanish, Portuguese and French. Labels are translated for the pages; the
reader itself speaks in field names and the headers as written in the file.
See docs/manual.en.md, "Spreadsheets".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Field:
    """One field a sheet column can fill."""

    name: str
    label: object  # a lazy translation: str() gives it in the active language
    required: bool
    example: str
    headers: dict[str, str]  # template header per language
    aliases: tuple[str, ...] = ()

    @property
    def column(self) -> str:
        """The English template header (the documented column name)."""
        return self.headers["en"]


def _f(name, label, required, example, en, es, *aliases: str) -> Field:
    """A field; each of `aliases` may list several headers separated by "|"."""
    names = tuple(a for listed in aliases for a in listed.split("|"))
    return Field(name, label, required, example, {"en": en, "es": es}, names)


PATIENT_REF_ALIASES = (
    "Patient ID",
    "Patient",
    "Paciente",
    "Id paciente",
    "Código paciente",
    "Nº historia",
    "N° historia",
    "Número de historia",
    "Historia",
    "ID do paciente",
    "Nº processo",
    "Processo",
    "ID patient",
    "N° dossier",
    "LegacyPatientID",
    "Legacy Patient ID",
)
CLINICAL_CODE = _f(
    "clinical_code",
    _("Clinical code (SNOMED CT or ICD-10)"),
    False,
    "K02.1",
    "ClinicalCode",
    "Código clínico",
    "Clinical Code|Code|SNOMED|SNOMED CT|ICD-10|ICD10|CIE-10|CIE10|Código|Código CID|CID-10|"
    "Code clinique|CIM-10",
)
STATUS_ALIASES = ("Estado", "Situación", "Situação", "Statut", "État")


def _patient_ref() -> Field:
    return _f(
        "patient_id",
        _("Patient's id in the old system"),
        True,
        "P-0001",
        "PatientID",
        "ID paciente",
        *PATIENT_REF_ALIASES,
    )


def _practitioner() -> Field:
    return _f(
        "practitioner_id",
        _("Staff member's id or e-mail"),
        False,
        "D-01",
        "Practitioner ID",
        "ID profesional",
        "Practitioner|Doctor|Dentist|Prescriber|Profesional|Odontólogo|Dentista|Doctor ID|"
        "Profissional|Médico|Praticien|Médecin",
    )


PATIENT_FIELDS = (
    _f(
        "legacy_id",
        _("Patient's id in the old system"),
        True,
        "P-0001",
        "LegacyPatientID",
        "ID paciente",
        "PatientID",
        *(a for a in PATIENT_REF_ALIASES if a not in ("Patient", "Paciente")),
        "Legacy ID",
        "Patient Number",
        "Patient Code",
        "Chart Number",
        "Record Number",
        "Número de historia clínica",
        "Historia clínica",
        "Nº HC",
        "Número de processo",
        "Numéro de dossier",
        "Identifiant patient",
    ),
    _f(
        "first_name",
        _("First name"),
        True,
        "María",
        "First Name",
        "Nombre",
        "Given Name|Forename|Nome|Primeiro nome|Nome próprio|Prénom",
    ),
    _f(
        "last_name",
        _("Last name"),
        True,
        "García López",
        "Last Name",
        "Apellidos",
        "Surname|Family Name|Apellido|Apelidos|Apelido|Sobrenome|Nom|Nom de famille",
    ),
    _f(
        "date_of_birth",
        _("Date of birth"),
        True,
        "1980-04-23",
        "Date of Birth",
        "Fecha de nacimiento",
        "DOB|Birth Date|Birthdate|Fecha nacimiento|F. nacimiento|F. nac.|Fec. nac.|"
        "Data de nascimento|Data nascimento|Date de naissance|Né le",
    ),
    _f(
        "national_id",
        _("National identity number"),
        False,
        "12345678Z",
        "National ID",
        "Documento de identidad",
        "National Identifier|ID Number|DNI|NIE|NIF|DNI/NIE|DNI/NIF|DNI/NIE/NIF|Documento|"
        "Nº documento|Número de documento|Número de contribuinte|Contribuinte|NIR|"
        "Numéro de sécurité sociale|N° sécurité sociale|Numéro INSEE",
    ),
    _f(
        "national_id_type",
        _("Type of national identity number"),
        False,
        "DNI",
        "National ID Type",
        "Tipo de documento",
        "ID Type|Tipo documento|Tipo de identificación|Tipo de documento de identidad|"
        "Tipo de identificação|Type de pièce|Type d'identifiant",
    ),
    _f(
        "nhs_number",
        _("NHS number"),
        False,
        "",
        "NHS Number",
        "Número NHS",
        "NHS No|NHS",
    ),
    _f(
        "email",
        _("E-mail address"),
        False,
        "maria@example.com",
        "Email Address",
        "Correo electrónico",
        "Email|E-mail|Mail|Correo|Endereço de email|Courriel|Adresse e-mail",
    ),
    _f(
        "mobile_phone",
        _("Mobile phone"),
        False,
        "+34 600 123 456",
        "Mobile Phone",
        "Teléfono móvil",
        "Mobile|Phone|Telephone|Teléfono|Móvil|Celular|Telemóvel|Telefone|Téléphone|Portable|Tel",
    ),
    _f(
        "gender",
        _("Sex"),
        False,
        "F",
        "Gender",
        "Sexo",
        "Sex|Género|Sexe|Genre",
    ),
    _f(
        "street_address",
        _("Street address"),
        False,
        "Calle Mayor 1, 2º B",
        "Street Address",
        "Dirección",
        "Address|Domicilio|Morada|Endereço|Adresse",
    ),
    _f(
        "city",
        _("City"),
        False,
        "Madrid",
        "City",
        "Población",
        "Town|Ciudad|Localidad|Municipio|Cidade|Localidade|Ville",
    ),
    _f(
        "postcode",
        _("Postcode"),
        False,
        "28013",
        "Postcode",
        "Código postal",
        "Postal Code|ZIP|ZIP Code|CP|Code postal",
    ),
    _f(
        "emergency_contact_name",
        _("Emergency contact"),
        False,
        "Juan García",
        "Emergency Contact Name",
        "Contacto de emergencia",
        "Emergency Contact|Persona de contacto|Contacto de emergência|Personne à prévenir|"
        "Contact d'urgence",
    ),
    _f(
        "emergency_contact_phone",
        _("Emergency contact's phone"),
        False,
        "+34 600 654 321",
        "Emergency Contact Phone",
        "Teléfono de emergencia",
        "Telefone de emergência|Téléphone d'urgence",
    ),
    _f("role", _("Role (blank for a patient)"), False, "", "Role", "Rol", "Cargo|Função|Rôle"),
)

BACKGROUND_FIELDS = (
    _patient_ref(),
    _f(
        "name",
        _("Allergy or condition"),
        True,
        "Penicilina",
        "Name",
        "Nombre",
        "Description|Condition|Allergy|Descripción|Antecedente|Alergia|Nome|Descrição|Libellé",
    ),
    _f(
        "type",
        _("Kind (ALLERGY or MEDICAL CONDITION)"),
        True,
        "ALLERGY",
        "Type",
        "Tipo",
        "Kind|Category|Categoría|Categoria|Catégorie",
    ),
    _f(
        "onset_date",
        _("Onset date"),
        True,
        "2015-06-01",
        "OnsetDate",
        "Fecha de inicio",
        "Onset|Onset Date|Date of Onset|Fecha inicio|Fecha de diagnóstico|Data de início|"
        "Date de début",
    ),
    _f(
        "severity",
        _("Severity"),
        False,
        "SEVERE",
        "Severity",
        "Gravedad",
        "Severidad|Gravidade|Gravité",
    ),
    _f("status", _("Status"), False, "ACTIVE", "Status", "Estado", *STATUS_ALIASES[1:]),
    CLINICAL_CODE,
)

NOTE_FIELDS = (
    _patient_ref(),
    _f(
        "consultation_date",
        _("Date of the visit"),
        True,
        "2024-03-05 10:30",
        "Consultation Date",
        "Fecha de consulta",
        "Date|Fecha|Visit Date|Fecha visita|Fecha de visita|Data da consulta|Data|"
        "Date de consultation",
    ),
    _f(
        "note_text",
        _("Text of the note"),
        True,
        "Revisión. Sin hallazgos.",
        "Clinical Note Text",
        "Nota clínica",
        "Note|Notes|Note Text|Clinical Note|Nota|Notas|Texto|Observaciones|Evolución|Anotación|"
        "Observações|Texte|Note clinique|Observations",
    ),
    _practitioner(),
    _f(
        "note_type",
        _("Kind of note"),
        False,
        "CONSULTATION",
        "Note Type",
        "Tipo de nota",
        "Tipo nota|Type de note",
    ),
    _f("diagnosis", _("Diagnosis"), False, "", "Diagnosis", "Diagnóstico", "Diagnostic"),
    CLINICAL_CODE,
)

MEDICATION_FIELDS = (
    _patient_ref(),
    _f(
        "drug_name",
        _("Medicine"),
        True,
        "Amoxicilina",
        "Drug Name",
        "Medicamento",
        "Drug|Medication|Medicine|Fármaco|Médicament",
    ),
    _f(
        "instructions",
        _("How often / instructions"),
        True,
        "1 cada 8 horas, 7 días",
        "Frequency / Instructions",
        "Posología",
        "Frequency|Instructions|Pauta|Indicaciones|Frecuencia|Posologia|Posologie",
    ),
    _f(
        "prescription_date",
        _("Prescription date"),
        True,
        "2024-03-05",
        "Prescription Date",
        "Fecha de prescripción",
        "Fecha receta|Date Prescribed|Prescribed On|Data de prescrição|Date de prescription",
    ),
    _f(
        "dosage",
        _("Dose / strength"),
        False,
        "500 mg",
        "Dosage / Strength",
        "Dosis",
        "Dose|Strength|Dosage|Dosagem",
    ),
    _f("status", _("Status"), False, "ACTIVE", "Status", "Estado", *STATUS_ALIASES[1:]),
    _f(
        "quantity",
        _("Quantity authorised"),
        False,
        "21",
        "Quantity Authorised",
        "Cantidad",
        "Quantity|Qty|Quantidade|Quantité",
    ),
    _practitioner(),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "patients": PATIENT_FIELDS,
    "clinical_background": BACKGROUND_FIELDS,
    "clinical_notes": NOTE_FIELDS,
    "medications": MEDICATION_FIELDS,
}
SHEET_TYPES = {
    "patients": "Patient demographics",
    "clinical_background": "Clinical background",
    "clinical_notes": "Clinical notes",
    "medications": "Medications",
}
