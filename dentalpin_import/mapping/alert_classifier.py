"""Classify a free-text medical alert (or one line of patient notes) by keywords (FORMAT.md §8.6).

Texts such as `ALERGIA: PENICILINA`, `SINTROM 4MG`, `Fumeur 10 cig/jour` or
`PRESU. PENDIENTE ENVIAR` come from Spanish, Portuguese, French and English
clinics. Matching ignores case and accents; a keyword matches at the start of
a word (`alergi` finds `Alérgico`, never `xalergia`), and a keyword written
with a trailing space must be the whole word (`hta `). The first rule that
matches wins, so the order below is part of the rules: a denial ("no known
allergies") is never an allergy, and the more specific medical kinds come
before the general ones. Anything unmatched is a general note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

ANAESTHESIA = "anaesthesia_reaction"
ANTICOAGULANT = "anticoagulant"
ALLERGY = "allergy"
PREGNANCY = "pregnancy"
LACTATION = "lactation"
SMOKING = "smoking"
BRUXISM = "bruxism"
MEDICATION = "medication"
DISEASE = "disease"
ADMINISTRATIVE = "administrative"
GENERAL = "general"

# fmt: off
# A denial ("no known allergies") is removed, up to the end of its clause, before the rules run.
DENIALS = (
    "no alergi", "sin alergi", "niega alergi", "no refiere alergi", "no se conocen alergi",
    "namc ", "nkda ", "nka ",
    "sem alergi", "nega alergi", "nenhuma alergi", "nao tem alergi",
    "pas d'allergi", "aucune allergi", "sans allergi",
    "no known allerg", "no allerg", "denies allerg",
)

# kind, then keywords: Spanish, Portuguese, French, English (accents are ignored: left out).
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (ANAESTHESIA, (
        "anestesi", "anesthesi", "anaesthesi", "anesthet", "anaesthet", "articain",
        "lidocain", "mepivacain", "bupivacain", "septocain", "xilocain", "xylocain",
    )),
    (ANTICOAGULANT, (
        "sintrom", "acenocumarol", "acenocoumarol", "warfarin", "varfarin", "aldocumar",
        "coumadin", "apixaban", "eliquis", "rivaroxaban", "xarelto", "dabigatran", "pradaxa",
        "edoxaban", "lixiana", "heparin", "enoxaparin", "clexane", "anticoagul",
        "antiagreg", "antiplaquet", "clopidogrel", "plavix",
    )),
    (ALLERGY, ("alergi", "allergi", "allergy", "hipersensib", "hypersensib")),
    (PREGNANCY, (
        "embarazada", "embarazo", "gestante", "gestacion",
        "gravida ", "gravidez",
        "enceinte", "grossesse",
        "pregnan",
    )),
    (LACTATION, (
        "lactancia", "lactante",
        "amamentac", "amamentando", "aleitamento", "lactacao",
        "allaitement", "allaitante", "allaite ",
        "breastfeed", "breast-feed", "lactating",
    )),
    (SMOKING, (
        "fumador", "fuma ", "fumar ", "tabaco", "tabaquismo", "cigarrillo",
        "fumante", "tabagismo", "cigarro",
        "fumeur", "fumeuse", "tabac ", "tabagisme", "cigarette",
        "smoker", "smoking", "smokes ", "tobacco",
    )),
    (BRUXISM, ("bruxis", "bruxoman", "rechina", "ferula de descarga", "grinds teeth")),
    (MEDICATION, (
        "medicacion", "medicado", "toma ", "tratamiento con",
        "medicacao", "medicamento", "faz tratamento",
        "medicament", "sous traitement", "prend ",
        "medication", "takes ", "taking ",
        "antibiot", "profilaxis", "profilaxia", "prophyla",
        "bifosfonat", "bisfosfonat", "bisphosphonat", "alendronat", "zoledron", "denosumab",
        "insulina", "insuline", "insulin", "metformin", "enalapril", "omeprazol", "sertralin",
        "levotiroxin", "levothyrox", "corticoid", "prednison",
    )),
    (DISEASE, (
        "diabet", "hipertens", "hypertens", "hta ", "asma", "asthm", "epilep", "cardiopat",
        "cardiac", "cardiaq", "infarto", "infarctus", "marcapaso", "pacemaker", "stimulateur",
        "hepatit", "vih ", "hiv ", "sida ", "aids ", "cancer", "cancro", "oncolog",
        "quimioterap", "chimiotherap", "chemotherap", "radioterap", "radiotherap",
        "renal", "insuficiencia", "insuffisance", "hemofil", "hemophil", "coagulopat",
        "osteoporo", "tiroid", "thyroid", "endocardit", "valvulopat", "protesis valvular",
        "artritis", "arthrit", "alzheimer", "parkinson", "ictus", "stroke", "avc ", "epoc ",
        "copd ", "enfermedad", "doenca", "maladie", "disease", "transplant", "trasplant",
        "inmunodepri", "imunodepri", "immunodepri", "immunosuppr",
    )),
    (ADMINISTRATIVE, (
        "presu", "pendiente", "factura", "recibo", "cobrar", "cobro", "deuda", "debe ",
        "pago", "financiac", "domiciliac", "seguro", "mutua", "aseguradora", "llamar",
        "avisar", "no localizable", "cambio de cita",
        "orcamento", "pendente", "fatura", "divida", "seguradora", "ligar ", "pagamento",
        "devis", "en attente", "facture", "impaye", "assurance", "mutuelle", "rappeler",
        "paiement",
        "quote", "estimate", "pending", "invoice", "unpaid", "insurance", "call back",
        "payment", "balance due",
    )),
)
# fmt: on


@dataclass(frozen=True)
class Classification:
    """What a text is (`kind`, one of the constants above) and its short `name`."""

    kind: str
    name: str

    @property
    def is_medical(self) -> bool:
        return self.kind not in (ADMINISTRATIVE, GENERAL)


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents (`Grávida` → `gravida`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _pattern(keywords: tuple[str, ...], tail: str = "") -> re.Pattern:
    parts = []
    for keyword in keywords:
        whole = keyword.endswith(" ")
        body = re.escape(keyword.strip())
        parts.append(body + (r"(?![a-z0-9])" if whole else ""))
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + ")" + tail)


@lru_cache(maxsize=4096)  # alert texts repeat across a clinic's patients
def kind_of(text: str) -> str:
    """Return the kind of `text` (GENERAL when no keyword matches)."""
    folded = _pattern(DENIALS, r"[^,;.\n]*").sub(" ", fold(text))
    for kind, keywords in RULES:
        if _pattern(keywords).search(folded):
            return kind
    return GENERAL


def short_name(text: str) -> str:
    """The allergen, drug or condition: what follows a `LABEL:` prefix, else the first line."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    label, colon, rest = first.partition(":")
    if colon and rest.strip() and len(label) <= 40:
        return rest.strip()
    return first


def classify(text: str) -> Classification:
    """Classify one alert text; empty text is a general note with an empty name."""
    return Classification(kind_of(text), short_name(text))
