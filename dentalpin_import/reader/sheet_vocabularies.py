"""The words a sheet's coded columns accept, in English, Spanish, Portuguese and French.

A value is matched as headers are (`sheet_headers.normalise`: case, accents,
spaces and punctuation ignored), so "Médical condition", "MEDICAL_CONDITION"
and "medical condition" are one. Each value has its English name (the one the
reader's messages list) marked for translation, so a page lists the accepted
values in its own language ("HOMBRE, MUJER…"); every word listed is accepted.

Single letters: H and V are male, F female in every language; M is male in
English, Portuguese and French but may be "Mujer" or "Masculino" in Spanish,
so a sheet whose headers are Spanish refuses it as ambiguous (`sheet_specs`).
See docs/manual.en.md, "Accepted values".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext, gettext_noop

from dentalpin_import.reader.sheet_headers import normalise as word_key

MEMO_SIZE = 4096


@dataclass(frozen=True)
class Vocabulary:
    """The values one column accepts: {stored value: (English name, other accepted words)}."""

    values: dict[str, tuple[str, str]]

    @cached_property
    def index(self) -> dict[str, str]:
        """{matched word: stored value}; the first value naming a word keeps it."""
        found: dict[str, str] = {}
        for stored, (name, words) in self.values.items():
            for word in (name, stored, *words.split("|")):
                found.setdefault(word_key(word), stored)
        return found

    @cached_property
    def _seen(self) -> dict[str, str | None]:
        return {}

    def read(self, value: str) -> str | None:
        """The stored value `value` names, or None."""
        # A column repeats a handful of values: each is normalised once (bounded, for a
        # column of free text).
        seen = self._seen
        if value in seen:
            return seen[value]
        found = self.index.get(word_key(value))
        if len(seen) < MEMO_SIZE:
            seen[value] = found
        return found

    @property
    def expected(self) -> str:
        """The English names, as a message lists them ("MALE, FEMALE, …")."""
        return ", ".join(name for name, _words in self.values.values())


# The English names, for the catalogue: a page shows them in its language.
NAMES = {
    "MALE": gettext_noop("MALE"),
    "FEMALE": gettext_noop("FEMALE"),
    "UNKNOWN": gettext_noop("UNKNOWN"),
    "OTHER": gettext_noop("OTHER"),
    "NOT STATED": gettext_noop("NOT STATED"),
    "ALLERGY": gettext_noop("ALLERGY"),
    "MEDICAL CONDITION": gettext_noop("MEDICAL CONDITION"),
    "MILD": gettext_noop("MILD"),
    "MODERATE": gettext_noop("MODERATE"),
    "SEVERE": gettext_noop("SEVERE"),
    "UNSPECIFIED": gettext_noop("UNSPECIFIED"),
    "ACTIVE": gettext_noop("ACTIVE"),
    "RESOLVED": gettext_noop("RESOLVED"),
    "GP NOTE": gettext_noop("GP NOTE"),
    "CONSULTATION": gettext_noop("CONSULTATION"),
    "TRIAGE": gettext_noop("TRIAGE"),
    "REFERRAL": gettext_noop("REFERRAL"),
    "DENTAL PROGRESS": gettext_noop("DENTAL PROGRESS"),
    "ACUTE": gettext_noop("ACUTE"),
    "REPEAT": gettext_noop("REPEAT"),
    "DISPENSED": gettext_noop("DISPENSED"),
    "DISCONTINUED": gettext_noop("DISCONTINUED"),
    "CANCELLED": gettext_noop("CANCELLED"),
    "EXPIRED": gettext_noop("EXPIRED"),
    "PASSPORT": gettext_noop("PASSPORT"),
}


def translated_expected(expected: str) -> str:
    """A message's list of accepted values ("MALE, FEMALE") in the active language."""
    return ", ".join(gettext(w) if w in NAMES else w for w in expected.split(", "))


LISTED = re.compile(r"\(expected one of (?P<expected>[^()]*)\) \(")


def listed_in(message: str) -> str:
    """The accepted values an unknown value's English message lists ("" when none)."""
    found = LISTED.search(message)
    return found["expected"] if found else ""


def expected_in(message: str) -> str:
    """The accepted values an unknown value's English message lists, in the active language."""
    return translated_expected(listed_in(message)) if listed_in(message) else ""


# "M" is not here: it depends on the sheet's language (module docstring).
SEXES = Vocabulary(
    {
        "male": (
            "MALE",
            "Man|H|V|Masculine|Hombre|Varón|Masculino|Masc|Homem|Masculin|Homme",
        ),
        "female": (
            "FEMALE",
            "Woman|F|Feminine|Mujer|Femenino|Fem|Mulher|Feminino|Féminin|Femme",
        ),
        "unknown": (
            "UNKNOWN",
            "U|Desconocido|Desconocida|Desconhecido|Desconhecida|Inconnu|Inconnue",
        ),
        "other": (
            "OTHER",
            "O|Non-binary|Otro|Otra|No binario|Outro|Outra|Não binário|Autre|Non binaire",
        ),
        "not_stated": (
            "NOT STATED",
            "Prefer not to say|Not given|No consta|No indicado|No especificado|NS/NC|"
            "Não indicado|Não especificado|Non précisé|Non renseigné|Non communiqué",
        ),
    }
)
AMBIGUOUS_SEX_LETTER = "M"

BACKGROUND_KINDS = Vocabulary(
    {
        "allergy": (
            "ALLERGY",
            "Allergies|Alergia|Alergias|Allergie",
        ),
        "medical_condition": (
            "MEDICAL CONDITION",
            "Condition|Disease|Illness|Medical history|Enfermedad|Antecedente|Antecedentes|"
            "Antecedente médico|Antecedentes médicos|Patología|Condición médica|Doença|"
            "Condição médica|Antecedente clínico|Patologia|Maladie|Antécédent|"
            "Antécédent médical|Antécédents|Pathologie|Affection",
        ),
    }
)
SEVERITIES = Vocabulary(
    {
        "mild": ("MILD", "Low|Leve|Ligera|Ligero|Baja|Ligeira|Léger|Légère|Faible"),
        "moderate": (
            "MODERATE",
            "Medium|Moderada|Moderado|Media|Medio|Média|Modéré|Modérée|Moyen|Moyenne",
        ),
        "severe": (
            "SEVERE",
            "High|Serious|Life-threatening|Grave|Severa|Severo|Alta|Elevada|Sévère|Élevée",
        ),
        "unspecified": (
            "UNSPECIFIED",
            "Unknown|Sin especificar|No especificada|Desconocida|Não especificada|"
            "Desconhecida|Non précisée|Inconnue",
        ),
    }
)
_ACTIVE = ("ACTIVE", "Current|Activo|Activa|Vigente|Actual|Ativo|Ativa|Em curso|Actif|En cours")
ALERT_STATUSES = Vocabulary(
    {
        "active": _ACTIVE,
        "resolved": (
            "RESOLVED",
            "Inactive|Past|Resuelto|Resuelta|Inactivo|Inactiva|Pasado|Resolvido|Resolvida|"
            "Inativo|Inativa|Résolu|Résolue|Inactif|Guéri",
        ),
    }
)
NOTE_TYPES = Vocabulary(
    {
        "gp_note": (
            "GP NOTE",
            "GP|Médico de cabecera|Médico de familia|Atención primaria|Médico de família|"
            "Médecin traitant",
        ),
        "consultation": ("CONSULTATION", "Visit|Consulta|Visita|Visite"),
        "triage": ("TRIAGE", "Triaje|Triagem|Urgencia|Urgência|Urgence"),
        "referral": (
            "REFERRAL",
            "Derivación|Interconsulta|Encaminhamento|Referenciação|Orientation|Adressage",
        ),
        "dental_progress": (
            "DENTAL PROGRESS",
            "Progress|Evolución|Evolución dental|Seguimiento|Evolução|Evolution|Suivi",
        ),
        "other": ("OTHER", "Otro|Otra|Outro|Outra|Autre"),
    }
)
MEDICATION_STATUSES = Vocabulary(
    {
        "active": _ACTIVE,
        "acute": ("ACUTE", "Agudo|Aguda|Aigu|Aiguë"),
        "repeat": (
            "REPEAT",
            "Repeat prescription|Chronic|Repetición|Crónico|Crónica|Renovable|Renovável|"
            "Renouvelable|Chronique",
        ),
        "dispensed": ("DISPENSED", "Dispensado|Dispensada|Dispensé|Délivré"),
        "discontinued": (
            "DISCONTINUED",
            "Stopped|Suspendido|Suspendida|Retirado|Retirada|Interrumpido|Suspenso|Suspensa|"
            "Descontinuado|Arrêté|Interrompu",
        ),
        "cancelled": ("CANCELLED", "Canceled|Anulado|Anulada|Cancelado|Cancelada|Annulé|Annulée"),
        "expired": ("EXPIRED", "Caducado|Caducada|Vencido|Vencida|Expirado|Expirada|Expiré"),
    }
)

# The role column: a patient in any language, else the staff roles the mapper knows
# (mapping/sheet_people.py ROLES) under their English names.
PATIENT_WORDS = frozenset(word_key(w) for w in ("Patient", "Paciente", "Doente", "Utente"))
ROLES = Vocabulary(
    {
        "dentist": (
            "DENTIST",
            "Dentista|Odontólogo|Odontóloga|Estomatólogo|Médico dentista|Médica dentista|"
            "Dentiste|Chirurgien-dentiste",
        ),
        "hygienist": (
            "HYGIENIST",
            "Higienista|Higienista dental|Higienista oral|Hygiéniste|Hygiéniste dentaire",
        ),
        "assistant": (
            "ASSISTANT",
            "Auxiliar|Auxiliar de clínica|Asistente|Enfermera|Enfermero|Assistente|"
            "Assistente dentária|Assistante|Assistante dentaire|Infirmier|Infirmière",
        ),
        "receptionist": (
            "RECEPTIONIST",
            "Recepcionista|Recepción|Rececionista|Secretaria|Secretária|Réceptionniste|"
            "Secrétaire|Accueil",
        ),
        "practice_manager": (
            "PRACTICE MANAGER",
            "Gerente|Director|Directora|Administrador|Administradora|Gestor|Gestora|"
            "Diretor|Diretora|Gérant|Gérante|Directeur|Directrice|Administrateur",
        ),
    }
)
