"""EIR eligibility (DESIGN §4.1 step 1): a refusal names the rule and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.regles import parametre
from persistence import depots
from persistence.models import Affilie


@dataclass(frozen=True)
class Refus:
    regle: str
    message: str
    conflit: bool = False  # an EIR is already open: 409 rather than 422


def _age(naissance: date, le: date) -> int:
    return le.year - naissance.year - ((le.month, le.day) < (naissance.month, naissance.day))


def _moins_mois(jour: date, mois: int) -> date:
    annee, m = divmod(jour.year * 12 + jour.month - 1 - mois, 12)
    from calendar import monthrange

    return date(annee, m + 1, min(jour.day, monthrange(annee, m + 1)[1]))


async def verifier_eligibilite_eir(session: AsyncSession, affilie: Affilie | None, date_demande: date) -> Refus | None:
    if affilie is None:
        return Refus(
            "affiliation",
            "Ce numéro de sécurité sociale n'a jamais été affilié à la CNRACL : l'entretien information "
            "retraite se demande auprès du régime auquel vous avez été affilié.",
        )
    age_minimum = parametre("eir", "age_minimum", date_demande)
    if _age(affilie.date_de_naissance, date_demande) < age_minimum.valeur:
        return Refus(
            "age_minimum",
            f"L'entretien information retraite est ouvert à partir de {age_minimum.valeur} ans "
            f"({age_minimum.reference_titre}). Vous pourrez le demander à compter de votre "
            f"{age_minimum.valeur}e anniversaire.",
        )
    delai = parametre("eir", "delai_entre_demandes", date_demande)
    depuis = _moins_mois(date_demande, delai.valeur)
    for demande in await depots.demandes_eir_recentes(session, affilie.id, depuis):  # type: ignore[arg-type]
        if demande.terminee_le is None:
            return Refus(
                "demande_ouverte",
                f"Une demande d'entretien information retraite est déjà en cours (référence EIR-{demande.id}) : "
                "suivez-la ou retirez-la avant d'en faire une nouvelle.",
                conflit=True,
            )
        return Refus(
            "delai_entre_demandes",
            f"Une demande d'entretien a déjà été faite le {demande.date_demande.strftime('%d/%m/%Y')} : "
            f"un nouvel entretien peut être demandé {delai.valeur} mois après la précédente demande "
            f"({delai.reference_titre}).",
        )
    return None
