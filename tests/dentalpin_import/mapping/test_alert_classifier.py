"""The alert classifier of FORMAT.md §8.6 on real-looking texts in four languages."""

import pytest

from dentalpin_import.mapping import alert_classifier as c

CASES = [
    # allergy
    ("ALERGIA: PENICILINA", c.ALLERGY, "PENICILINA"),
    ("Alérgico a la amoxicilina", c.ALLERGY, None),
    ("alergia al látex", c.ALLERGY, None),
    ("ALERGIA A AINES (ibuprofeno)", c.ALLERGY, None),
    ("Alergia: pólen e penicilina", c.ALLERGY, "pólen e penicilina"),
    ("Alérgica ao iodo", c.ALLERGY, None),
    ("Allergie : pénicilline", c.ALLERGY, "pénicilline"),
    ("ALLERGIQUE AU NICKEL", c.ALLERGY, None),
    ("Allergic to latex", c.ALLERGY, None),
    ("Penicillin allergy", c.ALLERGY, None),
    ("Hipersensibilidad al metamizol", c.ALLERGY, None),
    # anticoagulant (bleeding risk) before medication
    ("SINTROM 4MG", c.ANTICOAGULANT, None),
    ("Toma Sintrom, control INR mensual", c.ANTICOAGULANT, None),
    ("ACENOCUMAROL", c.ANTICOAGULANT, None),
    ("Anticoagulado con apixabán (Eliquis) 5 mg", c.ANTICOAGULANT, None),
    ("Xarelto 20mg", c.ANTICOAGULANT, None),
    ("toma rivaroxaban", c.ANTICOAGULANT, None),
    ("Dabigatrán 150", c.ANTICOAGULANT, None),
    ("Medicação: varfarina", c.ANTICOAGULANT, "varfarina"),
    ("Anticoagulação oral", c.ANTICOAGULANT, None),
    ("Sous anticoagulant (warfarine)", c.ANTICOAGULANT, None),
    ("On warfarin", c.ANTICOAGULANT, None),
    ("Clopidogrel 75 mg", c.ANTICOAGULANT, None),
    # anaesthesia reaction
    ("Reacción a la anestesia en 2019", c.ANAESTHESIA, None),
    ("Mareo con anestésico local", c.ANAESTHESIA, None),
    ("Alergia a la lidocaína", c.ANAESTHESIA, None),
    ("Reação à anestesia", c.ANAESTHESIA, None),
    ("Malaise après anesthésie locale", c.ANAESTHESIA, None),
    ("Bad reaction to local anaesthetic", c.ANAESTHESIA, None),
    ("Anesthesia reaction (articaine)", c.ANAESTHESIA, None),
    # smoking
    ("FUMADOR 10 CIG/DIA", c.SMOKING, None),
    ("Fumadora", c.SMOKING, None),
    ("fuma 20 cigarrillos al día", c.SMOKING, None),
    ("Fumante, 1 maço/dia", c.SMOKING, None),
    ("Fumeur 10 cig/jour", c.SMOKING, None),
    ("Heavy smoker", c.SMOKING, None),
    ("Smokes a pack a day", c.SMOKING, None),
    # pregnancy
    ("EMBARAZADA", c.PREGNANCY, None),
    ("Embarazada de 3 meses", c.PREGNANCY, None),
    ("Grávida de 5 meses", c.PREGNANCY, None),
    ("GRAVIDEZ 20 semanas", c.PREGNANCY, None),
    ("Enceinte (6 mois)", c.PREGNANCY, None),
    ("Pregnant - 2nd trimester", c.PREGNANCY, None),
    # lactation
    ("LACTANCIA MATERNA", c.LACTATION, None),
    ("Amamentação", c.LACTATION, None),
    ("Allaitement en cours", c.LACTATION, None),
    ("Breastfeeding", c.LACTATION, None),
    # bruxism
    ("Bruxismo nocturno", c.BRUXISM, None),
    ("BRUXISME", c.BRUXISM, None),
    ("Bruxism, wears a night guard", c.BRUXISM, None),
    ("Lleva férula de descarga", c.BRUXISM, None),
    # medication
    ("Toma Metformina 850", c.MEDICATION, None),
    ("Medicación: omeprazol 20 mg", c.MEDICATION, "omeprazol 20 mg"),
    ("Tratamiento con bifosfonatos (alendronato)", c.MEDICATION, None),
    ("Medicamento: insulina", c.MEDICATION, "insulina"),
    ("Prend des médicaments pour la tension", c.MEDICATION, None),
    ("Takes levothyroxine daily", c.MEDICATION, None),
    ("Profilaxis antibiótica antes de cada tratamiento", c.MEDICATION, None),
    # disease
    ("DIABÉTICO TIPO 2", c.DISEASE, None),
    ("Hipertensión arterial", c.DISEASE, None),
    ("HTA", c.DISEASE, None),
    ("Asma", c.DISEASE, None),
    ("Cardiopatía isquémica, marcapasos", c.DISEASE, None),
    ("Hepatitis C", c.DISEASE, None),
    ("VIH +", c.DISEASE, None),
    ("Diabetes e hipertensão", c.DISEASE, None),
    ("Doença renal crónica", c.DISEASE, None),
    ("Épilepsie", c.DISEASE, None),
    ("Maladie cardiaque", c.DISEASE, None),
    ("Asthmatic", c.DISEASE, None),
    ("Heart disease, pacemaker", c.DISEASE, None),
    # administrative
    ("PRESU. PENDIENTE ENVIAR", c.ADMINISTRATIVE, None),
    ("Presupuesto pendiente de aceptar", c.ADMINISTRATIVE, None),
    ("Debe 50€ de la última visita", c.ADMINISTRATIVE, None),
    ("Llamar antes de la cita", c.ADMINISTRATIVE, None),
    ("Paga con seguro Sanitas", c.ADMINISTRATIVE, None),
    ("Orçamento pendente", c.ADMINISTRATIVE, None),
    ("Fatura em nome da empresa", c.ADMINISTRATIVE, None),
    ("Devis en attente", c.ADMINISTRATIVE, None),
    ("Facture au nom de la mutuelle", c.ADMINISTRATIVE, None),
    ("Quote pending", c.ADMINISTRATIVE, None),
    ("Unpaid invoice from March", c.ADMINISTRATIVE, None),
    # general, including denials that must never become an allergy
    ("Paciente ansioso", c.GENERAL, None),
    ("Prefiere mañanas", c.GENERAL, None),
    ("No alergias conocidas", c.GENERAL, None),
    ("NAMC", c.GENERAL, None),
    ("Sem alergias conhecidas", c.GENERAL, None),
    ("Pas d'allergie connue", c.GENERAL, None),
    ("No known allergies", c.GENERAL, None),
    ("Muy puntual 😀 | viene con su hija", c.GENERAL, None),
    ("", c.GENERAL, ""),
    # a denial does not hide what follows it
    ("No alergias conocidas. Toma Sintrom", c.ANTICOAGULANT, None),
    ("NKDA, smoker", c.SMOKING, None),
    # words that merely contain a keyword
    ("Gravidade moderada da periodontite", c.GENERAL, None),
]


@pytest.mark.parametrize("text, kind, name", CASES)
def test_each_text_gets_its_kind_whatever_the_language_case_or_accents(text, kind, name):
    found = c.classify(text)
    assert found.kind == kind
    if name is not None:
        assert found.name == name


def test_case_and_accents_never_change_the_result():
    for text in ("Grávida", "GRÁVIDA", "gravida", "GRAVIDA"):
        assert c.kind_of(text) == c.PREGNANCY
    assert c.kind_of("ANESTESIA") == c.kind_of("anestésia") == c.ANAESTHESIA


def test_medical_kinds_are_exactly_the_alert_kinds_of_the_clinic_model():
    from clinics.models import AlertKind

    medical = {kind for kind, _ in c.RULES} - {c.ADMINISTRATIVE}
    assert medical == set(AlertKind.values)
