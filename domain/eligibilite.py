"""EIR eligibility (DESIGN §4.1 step 1) as a pure rule: affiliated, 45 years old or more on the request date, no
other EIR open or made in the last 6 months. A refusal names the rule and what to do."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.erreurs import Conflit, Refus
from domain.regles import parametre


@dataclass(frozen=True)
class DemandeAnterieure:
    """An earlier EIR request of the agent: open (``terminee_le`` None) or made within the window."""

    id: int
    date_demande: date
    ouverte: bool


def age_revolu(naissance: date, le: date) -> int:
    return le.year - naissance.year - ((le.month, le.day) < (naissance.month, naissance.day))


def _moins_mois(jour: date, mois: int) -> date:
    annee, rang = divmod(jour.year * 12 + jour.month - 1 - mois, 12)
    return date(annee, rang + 1, min(jour.day, monthrange(annee, rang + 1)[1]))


def debut_fenetre_eir(date_demande: date) -> date:
    """The first day of the window in which an earlier request forbids a new one."""
    return _moins_mois(date_demande, parametre("eir", "delai_entre_demandes", date_demande).valeur)


def refus_eir(
    date_de_naissance: date | None, date_demande: date, anterieures: Sequence[DemandeAnterieure], champ: str
) -> Refus | Conflit | None:
    """Why this agent may not have an EIR on ``date_demande`` (None: eligible). ``date_de_naissance`` None: not
    affiliated. ``anterieures``: the agent's requests open or made since :func:`debut_fenetre_eir`. ``champ``:
    the field the refusal is about (the request itself, or the NIR a supervisor typed)."""
    if date_de_naissance is None:
        return Refus(
            "Ce numéro de sécurité sociale n'a jamais été affilié à la CNRACL : l'entretien information "
            "retraite se demande auprès du régime auquel vous avez été affilié.",
            champ,
            "affiliation",
        )
    age_minimum = parametre("eir", "age_minimum", date_demande)
    if age_revolu(date_de_naissance, date_demande) < age_minimum.valeur:
        return Refus(
            f"L'entretien information retraite est ouvert à partir de {age_minimum.valeur} ans "
            f"({age_minimum.reference_titre}). Vous pourrez le demander à compter de votre "
            f"{age_minimum.valeur}e anniversaire.",
            champ,
            "age_minimum",
        )
    for demande in anterieures:
        if demande.ouverte:
            return _conflit(
                f"Une demande d'entretien information retraite est déjà en cours (référence EIR-{demande.id}) : "
                "suivez-la ou retirez-la avant d'en faire une nouvelle.",
                champ,
            )
        delai = parametre("eir", "delai_entre_demandes", date_demande)
        return Refus(
            f"Une demande d'entretien a déjà été faite le {demande.date_demande.strftime('%d/%m/%Y')} : "
            f"un nouvel entretien peut être demandé {delai.valeur} mois après la précédente demande "
            f"({delai.reference_titre}).",
            champ,
            "delai_entre_demandes",
        )
    return None


def refus_sans_employeur(champ: str) -> Refus:
    """No employer to verify the career: neither a current one nor any in the CIR (see
    :func:`domain.eir.employeur_de_l_eir`). Refused at once rather than started: the process would stop on its
    fifth day with nobody to notify, while the agent can have the CIR completed first."""
    return Refus(
        "Aucun employeur n'est connu pour votre carrière à la CNRACL (ni employeur actuel, ni période d'un "
        "employeur dans votre compte individuel retraite) : l'entretien commence par la vérification de votre "
        "carrière par votre employeur. Contactez la CNRACL pour faire compléter votre compte individuel retraite, "
        "puis renouvelez votre demande.",
        champ,
        "employeur_connu",
    )


def _conflit(message: str, champ: str) -> Conflit:
    return Conflit(message, champ, "demande_ouverte")
