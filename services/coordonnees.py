"""An agent's postal address, email address and the channel of their campaign documents (``domain.adresse``): the
agent sets them on their own page; a supervisor for them (after a refused mail, a letter returned). The next campaign
production reads them (``activities.campagne``): paper goes to this address, in the tranche's print batch; mail to
that one."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.adresse import (
    Coordonnees,
    cle_incident_courriel,
    cle_incident_sans_adresse,
    lignes_adresse,
    lire_adresse,
    meme_adresse_electronique,
)
from domain.campagne import Canal
from domain.erreurs import Introuvable, Refus
from domain.etats import Acteur, Role
from persistence import depots, livraison_campagne
from persistence.models import Affilie, Compte
from services.acces import agent_par_nir, exiger_role, numero

EVENEMENT_COORDONNEES = "coordonnees_modifiees"


class CoordonneesPubliques(BaseModel):
    nom: str
    prenom: str
    email: str
    adresse_postale: list[str]
    champs_adresse: dict[str, str]  # the address in the form's fields
    canal: Canal


def _publiques(affilie: Affilie) -> CoordonneesPubliques:
    return CoordonneesPubliques(
        nom=affilie.nom,
        prenom=affilie.prenom,
        email=affilie.email,
        adresse_postale=lignes_adresse(affilie.adresse_postale),
        champs_adresse=lire_adresse(affilie.adresse_postale),
        canal=Canal(affilie.canal),
    )


async def _affilie(session: AsyncSession, compte: Compte, nir: str | None) -> Affilie:
    """The agent's own record; a supervisor names the agent by NIR."""
    if compte.role == Role.affilie.value:
        affilie = await session.get(Affilie, compte.affilie_id) if compte.affilie_id else None
        if affilie is None:
            raise Introuvable("Votre compte n'est rattaché à aucun dossier d'affilié : contactez la CNRACL.")
        return affilie
    exiger_role(compte, Role.superviseur)
    return await agent_par_nir(session, nir)


async def consulter(session: AsyncSession, compte: Compte, nir: str | None = None) -> CoordonneesPubliques:
    return _publiques(await _affilie(session, compte, nir))


async def modifier(
    session: AsyncSession, compte: Compte, corps: Coordonnees, nir: str | None = None
) -> CoordonneesPubliques:
    """Set the postal address and the email address (each when given) and the channel; paper needs a postal address,
    mail an email address. A corrected email address leaves the channel as it is set: going back to mail is the
    agent's choice. Kept in the agent's history with who did it (the addresses themselves are not copied there)."""
    affilie = await _affilie(session, compte, nir)
    adresse = corps.adresse_postale.en_texte() if corps.adresse_postale else affilie.adresse_postale
    email = corps.email if corps.email is not None else affilie.email
    if corps.canal is Canal.papier and not lignes_adresse(adresse):
        raise Refus(
            "adresse_postale : pour recevoir les documents par courrier, indiquez l'adresse postale (numéro et voie, "
            "code postal, commune).",
            "adresse_postale",
            "obligatoire",
        )
    if corps.canal is Canal.email and not email.strip():
        raise Refus(
            "canal : aucune adresse électronique n'est connue pour ce dossier ; indiquez-la, ou choisissez le "
            "courrier.",
            "canal",
            "sans_adresse_electronique",
        )
    modifiee = adresse != affilie.adresse_postale
    email_modifie = not meme_adresse_electronique(email, affilie.email)
    affilie.adresse_postale, affilie.email, affilie.canal = adresse, email, corps.canal.value
    session.add(affilie)
    maintenant = datetime.now(UTC)
    if lignes_adresse(adresse):
        # « adresse postale inconnue » is answered: the next tranche sends the document to it.
        await livraison_campagne.resoudre_incident_partout(
            session, cle_incident_sans_adresse(numero(affilie)), maintenant
        )
    if email_modifie:
        # « courriel refusé » (or come back) is answered by another address; the documents already sent on paper stay
        # so, and the channel is the agent's choice.
        await livraison_campagne.resoudre_incident_partout(session, cle_incident_courriel(numero(affilie)), maintenant)
    superviseur = compte.role == Role.superviseur.value
    await depots.ajouter_evenement(
        session,
        f"coordonnees-{affilie.cle}",
        EVENEMENT_COORDONNEES,
        (Acteur.superviseur if superviseur else Acteur.affilie).value,
        maintenant,
        compte.id,
        {"canal": corps.canal.value, "adresse_modifiee": modifiee, "email_modifie": email_modifie},
    )
    await session.commit()
    await session.refresh(affilie)
    return _publiques(affilie)
