"""An employer's email address (``Employeur.email``): where the fund writes to the establishment — the campaign's
announcement and reminders, the tasks of the agents' processes. Supervisors read and correct it, after the mail
server refused a campaign mail or one came back: the employer's « courriel refusé » incidents
(``domain.adresse.cle_incident_courriel_employeur``) ask for exactly that, and another address answers them."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field, field_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.adresse import (
    EMAIL_MAX,
    adresse_electronique,
    cle_incident_courriel_employeur,
    meme_adresse_electronique,
)
from domain.erreurs import Introuvable
from domain.etats import Acteur, Role
from domain.saisie import Saisie
from domain.texte import TexteLibre
from persistence import depots, livraison_campagne
from persistence.models import Compte, Employeur
from services.acces import exiger_role, numero

EVENEMENT_COORDONNEES_EMPLOYEUR = "coordonnees_employeur_modifiees"


def historique_de(employeur_id: int) -> str:
    """The history the corrections of an employer's address are kept in (apart from any process's)."""
    return f"coordonnees-employeur-{employeur_id}"


class IncidentCourriel(BaseModel):
    """Un incident ouvert d'une campagne : un courriel de l'employeur refusé par le serveur de messagerie, ou revenu
    après son envoi."""

    annee: int = Field(description="L'année de la campagne")
    depuis: datetime
    motif: str
    tentatives: int = Field(description="Les courriels de la campagne qui ne lui sont pas parvenus")


class CoordonneesEmployeur(BaseModel):
    """L'adresse électronique d'un employeur, et ses incidents de courriel ouverts (toutes campagnes)."""

    employeur_id: int
    siret: str
    raison_sociale: str
    email: str = Field(description="L'adresse à laquelle la CNRACL écrit à l'employeur (campagnes, tâches)")
    incidents: list[IncidentCourriel] = Field(
        description="Ses courriels refusés ou revenus, un incident par campagne : une autre adresse les résout"
    )


class CorrectionEnregistree(CoordonneesEmployeur):
    """L'adresse après la correction : ``modifiee`` faux si l'adresse saisie était déjà la sienne (à la casse
    près), auquel cas rien n'a changé."""

    modifiee: bool
    incidents_resolus: int = Field(description="Les incidents de courriel de l'employeur que la correction résout")


class CorrectionCourriel(Saisie):
    """La nouvelle adresse électronique de l'employeur."""

    email: TexteLibre = Field(
        min_length=1, max_length=EMAIL_MAX, description="Adresse électronique de l'employeur (nom@domaine.fr)"
    )

    @field_validator("email")
    @classmethod
    def _email(cls, valeur: str) -> str:
        return adresse_electronique(valeur)


async def _employeur(session: AsyncSession, compte: Compte, employeur_id: int) -> Employeur:
    exiger_role(compte, Role.superviseur)
    employeur = await session.get(Employeur, employeur_id)
    if employeur is None:
        raise Introuvable(f"Aucun employeur n° {employeur_id}.")
    return employeur


async def _publiques(session: AsyncSession, employeur: Employeur) -> CoordonneesEmployeur:
    ouverts = await livraison_campagne.incidents_ouverts_de(session, cle_incident_courriel_employeur(numero(employeur)))
    return CoordonneesEmployeur(
        employeur_id=numero(employeur),
        siret=employeur.siret,
        raison_sociale=employeur.raison_sociale,
        email=employeur.email,
        incidents=[
            IncidentCourriel(
                annee=campagne.annee,
                depuis=incident.depuis or datetime.now(UTC),
                motif=incident.motif,
                tentatives=incident.tentatives,
            )
            for incident, campagne in ouverts
        ],
    )


async def consulter(session: AsyncSession, compte: Compte, employeur_id: int) -> CoordonneesEmployeur:
    return await _publiques(session, await _employeur(session, compte, employeur_id))


async def corriger(
    session: AsyncSession, compte: Compte, employeur_id: int, corps: CorrectionCourriel
) -> CorrectionEnregistree:
    """Another address is stored, and resolves the employer's « courriel refusé » incident of every campaign: the
    mails that did not reach it are not sent again, warning it is the supervisor's part (the incident says so).
    Kept in the employer's history with who did it (not the address itself, as for an agent's). The same mailbox
    again changes nothing: no history, no incident resolved."""
    employeur = await _employeur(session, compte, employeur_id)
    if meme_adresse_electronique(corps.email, employeur.email) or not await depots.changer_email_employeur(
        session, numero(employeur), corps.email
    ):
        # The same mailbox, or the same correction stored at this very moment by another request: it is that one's to record.
        await session.rollback()
        await session.refresh(employeur)
        return CorrectionEnregistree(
            **(await _publiques(session, employeur)).model_dump(), modifiee=False, incidents_resolus=0
        )
    maintenant = datetime.now(UTC)
    resolus = await livraison_campagne.resoudre_incident_partout(
        session, cle_incident_courriel_employeur(numero(employeur)), maintenant
    )
    await depots.ajouter_evenement(
        session,
        historique_de(numero(employeur)),
        EVENEMENT_COORDONNEES_EMPLOYEUR,
        Acteur.superviseur.value,
        maintenant,
        compte.id,
        {"email_modifie": True, "incidents_resolus": resolus},
    )
    await session.commit()
    await session.refresh(employeur)
    return CorrectionEnregistree(
        **(await _publiques(session, employeur)).model_dump(), modifiee=True, incidents_resolus=resolus
    )
