"""The fields of the four spreadsheets: names, labels, required flags, examples, header aliases.

Field names are stable (mapping files and saved mappings hold them). Each field
has its template header per language (`headers`, which `sheet_headers.recognise`
accepts) and the other headers clinics and vendors write (`aliases`): English,
Spanish, Portuguese and French, each tagged with its language(s) ("es,pt:Sexo")
so a sheet's language can be told from its headers (`sheet_headers.language_of`);
an untagged alias ("Email") belongs to none. Labels are translated for the
pages; the reader itself speaks in field names and the headers as written.
See docs/manual.en.md, "Spreadsheets".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LANGUAGES = ("en", "es")
HEADER_LANGUAGES = ("en", "es", "pt", "fr")


@dataclass(frozen=True)
class Field:
    """One field a sheet column can fill."""

    name: str
    label: object  # a lazy translation: str() gives it in the active language
    required: bool
    example: str
    headers: dict[str, str]  # template header per language
    aliases: tuple[str, ...] = ()
    # (alias, languages it is written in), the template headers included
    languages: tuple[tuple[str, frozenset[str]], ...] = ()
    examples: dict[str, str] | None = None  # a template's example per language, if not `example`

    @property
    def column(self) -> str:
        """The English template header (the documented column name)."""
        return self.headers["en"]

    def example_in(self, language: str) -> str:
        return (self.examples or {}).get(language, self.example)


def _tagged(listed: str) -> tuple[frozenset[str], list[str]]:
    """ "es,pt:Sexo|Género" → ({"es", "pt"}, ["Sexo", "Género"]); untagged: no language."""
    tag, colon, rest = listed.partition(":")
    languages = frozenset(tag.split(","))
    if colon and languages <= set(HEADER_LANGUAGES):
        return languages, rest.split("|")
    return frozenset(), listed.split("|")


def _f(name, label, required, example, en, es, *aliases: str, examples=None) -> Field:
    """A field; each of `aliases` lists headers separated by "|", after their "xx:" languages."""
    tagged = [(a, langs) for listed in aliases for langs, names in [_tagged(listed)] for a in names]
    languages = ((en, frozenset({"en"})), (es, frozenset({"es"})), *tagged)
    names = tuple(a for a, _langs in tagged)
    return Field(name, label, required, example, {"en": en, "es": es}, names, languages, examples)


PATIENT_REF_ALIASES = (
    "en:Patient ID",
    "en,fr:Patient",
    "es,pt:Paciente",
    "es:Id paciente|Código paciente|Nº historia|N° historia|Número de historia|Historia",
    "pt:ID do paciente|Nº processo|Processo",
    "fr:ID patient|N° dossier",
    "en:LegacyPatientID|Legacy Patient ID",
)
CLINICAL_CODE = _f(
    "clinical_code",
    _("Clinical code (SNOMED CT or ICD-10)"),
    False,
    "K02.1",
    "ClinicalCode",
    "Código clínico",
    "en:Clinical Code|Code|ICD-10|ICD10",
    "SNOMED|SNOMED CT",
    "es:CIE-10|CIE10",
    "es,pt:Código",
    "pt:Código CID|CID-10",
    "fr:Code clinique|CIM-10",
)
STATUS_ALIASES = ("pt:Estado", "es:Situación", "pt:Situação", "fr:Statut|État")


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
        "en:Practitioner|Doctor|Dentist|Prescriber|Doctor ID",
        "es:Profesional|Odontólogo",
        "es,pt:Dentista|Médico",
        "pt:Profissional",
        "fr:Praticien|Médecin",
    )


PATIENT_FIELDS = (
    _f(
        "legacy_id",
        _("Patient's id in the old system"),
        True,
        "P-0001",
        "LegacyPatientID",
        "ID paciente",
        "en:PatientID",
        *(a for a in PATIENT_REF_ALIASES if not a.endswith((":Patient", ":Paciente"))),
        "en:Legacy ID|Patient Number|Patient Code|Chart Number|Record Number",
        "es:Número de historia clínica|Historia clínica|Nº HC",
        "pt:Número de processo",
        "fr:Numéro de dossier|Identifiant patient",
    ),
    _f(
        "first_name",
        _("First name"),
        True,
        "María",
        "First Name",
        "Nombre",
        "en:Given Name|Forename",
        "pt:Nome|Primeiro nome|Nome próprio",
        "fr:Prénom",
    ),
    _f(
        "last_name",
        _("Last name"),
        True,
        "García López",
        "Last Name",
        "Apellidos",
        "en:Surname|Family Name",
        "es:Apellido",
        "pt:Apelidos|Apelido|Sobrenome",
        "fr:Nom|Nom de famille",
    ),
    _f(
        "date_of_birth",
        _("Date of birth"),
        True,
        "1980-04-23",
        "Date of Birth",
        "Fecha de nacimiento",
        "en:DOB|Birth Date|Birthdate",
        "es:Fecha nacimiento|F. nacimiento|F. nac.|Fec. nac.",
        "pt:Data de nascimento|Data nascimento",
        "fr:Date de naissance|Né le",
    ),
    _f(
        "national_id",
        _("National identity number"),
        False,
        "12345678Z",
        "National ID",
        "Documento de identidad",
        "en:National Identifier|ID Number",
        "es:DNI|NIE|DNI/NIE|DNI/NIF|DNI/NIE/NIF|Documento|Nº documento|Número de documento",
        "es,pt:NIF",
        "pt:Número de contribuinte|Contribuinte",
        "fr:NIR|Numéro de sécurité sociale|N° sécurité sociale|Numéro INSEE",
    ),
    _f(
        "national_id_type",
        _("Type of national identity number"),
        False,
        "DNI",
        "National ID Type",
        "Tipo de documento",
        "en:ID Type",
        "es:Tipo documento|Tipo de identificación|Tipo de documento de identidad",
        "pt:Tipo de documento|Tipo de identificação",
        "fr:Type de pièce|Type d'identifiant",
    ),
    _f(
        "nhs_number",
        _("NHS number"),
        False,
        "",
        "NHS Number",
        "Número NHS",
        "en:NHS No|NHS",
    ),
    _f(
        "email",
        _("E-mail address"),
        False,
        "maria@example.com",
        "Email Address",
        "Correo electrónico",
        "Email|E-mail|Mail",
        "es:Correo",
        "pt:Endereço de email",
        "fr:Courriel|Adresse e-mail",
    ),
    _f(
        "mobile_phone",
        _("Mobile phone"),
        False,
        "+34 600 123 456",
        "Mobile Phone",
        "Teléfono móvil",
        "en:Mobile|Phone|Telephone",
        "es:Teléfono|Móvil",
        "es,pt:Celular",
        "pt:Telemóvel|Telefone",
        "fr:Téléphone|Portable",
        "Tel",
    ),
    _f(
        "gender",
        _("Sex"),
        False,
        "F",
        "Gender",
        "Sexo",
        "en:Sex",
        "es:Género",
        "pt:Sexo|Género",
        "fr:Sexe|Genre",
        examples={"es": "Mujer"},
    ),
    _f(
        "street_address",
        _("Street address"),
        False,
        "Calle Mayor 1, 2º B",
        "Street Address",
        "Dirección",
        "en:Address",
        "es:Domicilio",
        "pt:Morada|Endereço",
        "fr:Adresse",
    ),
    _f(
        "city",
        _("City"),
        False,
        "Madrid",
        "City",
        "Población",
        "en:Town",
        "es:Ciudad|Localidad|Municipio",
        "pt:Cidade|Localidade",
        "fr:Ville",
    ),
    _f(
        "postcode",
        _("Postcode"),
        False,
        "28013",
        "Postcode",
        "Código postal",
        "en:Postal Code|ZIP|ZIP Code",
        "es,fr:CP",
        "pt:Código postal",
        "fr:Code postal",
    ),
    _f(
        "emergency_contact_name",
        _("Emergency contact"),
        False,
        "Juan García",
        "Emergency Contact Name",
        "Contacto de emergencia",
        "en:Emergency Contact",
        "es:Persona de contacto",
        "pt:Contacto de emergência",
        "fr:Personne à prévenir|Contact d'urgence",
    ),
    _f(
        "emergency_contact_phone",
        _("Emergency contact's phone"),
        False,
        "+34 600 654 321",
        "Emergency Contact Phone",
        "Teléfono de emergencia",
        "pt:Telefone de emergência",
        "fr:Téléphone d'urgence",
    ),
    _f(
        "role",
        _("Role (blank for a patient)"),
        False,
        "",
        "Role",
        "Rol",
        "es,pt:Cargo",
        "pt:Função",
        "fr:Rôle",
    ),
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
        "en:Description|Condition|Allergy",
        "es:Descripción|Antecedente",
        "es,pt:Alergia",
        "pt:Nome|Descrição",
        "fr:Libellé",
    ),
    _f(
        "type",
        _("Kind (ALLERGY or MEDICAL CONDITION)"),
        True,
        "ALLERGY",
        "Type",
        "Tipo",
        "en:Kind|Category",
        "fr:Type",
        "pt:Tipo",
        "es:Categoría",
        "pt:Categoria",
        "fr:Catégorie",
        examples={"es": "Alergia"},
    ),
    _f(
        "onset_date",
        _("Onset date"),
        True,
        "2015-06-01",
        "OnsetDate",
        "Fecha de inicio",
        "en:Onset|Onset Date|Date of Onset",
        "es:Fecha inicio|Fecha de diagnóstico",
        "pt:Data de início",
        "fr:Date de début",
    ),
    _f(
        "severity",
        _("Severity"),
        False,
        "SEVERE",
        "Severity",
        "Gravedad",
        "es:Severidad",
        "pt:Gravidade",
        "fr:Gravité",
        examples={"es": "Grave"},
    ),
    _f(
        "status",
        _("Status"),
        False,
        "ACTIVE",
        "Status",
        "Estado",
        *STATUS_ALIASES,
        examples={"es": "Activo"},
    ),
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
        "en,fr:Date",
        "en:Visit Date",
        "es:Fecha|Fecha visita|Fecha de visita",
        "pt:Data da consulta|Data",
        "fr:Date de consultation",
    ),
    _f(
        "note_text",
        _("Text of the note"),
        True,
        "Revisión. Sin hallazgos.",
        "Clinical Note Text",
        "Nota clínica",
        "en:Note|Notes|Note Text|Clinical Note",
        "es,pt:Nota|Notas|Texto",
        "es:Observaciones|Evolución|Anotación",
        "pt:Observações",
        "fr:Texte|Note clinique|Observations",
    ),
    _practitioner(),
    _f(
        "note_type",
        _("Kind of note"),
        False,
        "CONSULTATION",
        "Note Type",
        "Tipo de nota",
        "es:Tipo nota",
        "fr:Type de note",
        examples={"es": "Consulta"},
    ),
    _f(
        "diagnosis",
        _("Diagnosis"),
        False,
        "",
        "Diagnosis",
        "Diagnóstico",
        "pt:Diagnóstico",
        "fr:Diagnostic",
    ),
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
        "en:Drug|Medication|Medicine",
        "es:Fármaco",
        "pt:Medicamento",
        "fr:Médicament",
    ),
    _f(
        "instructions",
        _("How often / instructions"),
        True,
        "1 cada 8 horas, 7 días",
        "Frequency / Instructions",
        "Posología",
        "en,fr:Instructions",
        "en:Frequency",
        "es:Pauta|Indicaciones|Frecuencia",
        "pt:Posologia",
        "fr:Posologie",
    ),
    _f(
        "prescription_date",
        _("Prescription date"),
        True,
        "2024-03-05",
        "Prescription Date",
        "Fecha de prescripción",
        "es:Fecha receta",
        "en:Date Prescribed|Prescribed On",
        "pt:Data de prescrição",
        "fr:Date de prescription",
    ),
    _f(
        "dosage",
        _("Dose / strength"),
        False,
        "500 mg",
        "Dosage / Strength",
        "Dosis",
        "en,pt,fr:Dose",
        "en:Strength|Dosage",
        "pt:Dosagem",
    ),
    _f(
        "status",
        _("Status"),
        False,
        "ACTIVE",
        "Status",
        "Estado",
        *STATUS_ALIASES,
        examples={"es": "Activo"},
    ),
    _f(
        "quantity",
        _("Quantity authorised"),
        False,
        "21",
        "Quantity Authorised",
        "Cantidad",
        "en:Quantity|Qty",
        "pt:Quantidade",
        "fr:Quantité",
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
