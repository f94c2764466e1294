"""Re-produce and re-send a campaign document (``POST /campagnes/{annee}/documents/{id}/renvoi``, supervisors): the
checks a supervisor can correct at once, then the re-send's process (``RenvoiDocumentWorkflow``), whose result is
awaited a moment — a process still running (the mail server slow) is answered « en cours »."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain import campagne as dai
from domain.campagne import PARIS, Canal, Livraison
from domain.campagne_renvoi import REFUS_RENVOI, DemandeRenvoi, ResultatRenvoi, canal_du_renvoi
from domain.erreurs import Conflit, Introuvable
from domain.etats import Role
from domain.saisie import Saisie
from domain.texte import TexteLibreMultiligne
from notifications.rendu import date_fr
from persistence import depots_campagne, perimetre_campagne, renvoi_campagne
from persistence.models import Affilie, Compte
from services.acces import exiger_role, numero
from services.moteur import Moteur, joignable, motif_du_refus
from workflows.campagne_documents import demarrer_renvoi

ATTENTE_RESULTAT = 20.0  # seconds the request waits for the new version and its announcement


class DemandeDeRenvoi(Saisie):
    model_config = ConfigDict(str_strip_whitespace=True)
    motif: TexteLibreMultiligne = Field(
        min_length=1, max_length=500, description="Pourquoi le document est renvoyé (consigné dans l'historique)"
    )
    canal: Canal | None = Field(default=None, description="email ou papier ; absent : le canal choisi par l'agent")


class RenvoiPublic(BaseModel):
    etat: str = Field(description="renvoye : la nouvelle version est annoncée ; en_cours : elle le sera")
    document_remplace_id: int
    document_id: int | None = None
    version: int | None = None
    canal: Canal | None = None
    livraison: Livraison | None = None
    tranche: int | None = Field(default=None, description="Courrier : la tranche dont le lot d'impression la contient")
    livre_le: datetime | None = None


async def renvoyer(
    session: AsyncSession, moteur: Moteur, compte: Compte, annee: int, document_id: int, corps: DemandeDeRenvoi
) -> RenvoiPublic:
    exiger_role(compte, Role.superviseur)
    campagne = await depots_campagne.campagne_par_annee(session, annee)
    if campagne is None:
        raise Introuvable(f"Aucune campagne {annee} : aucun de ses documents ne peut être renvoyé.")
    await _pas_deja_remplace(session, document_id)
    cible = await renvoi_campagne.cible_du_document(session, numero(campagne), document_id)
    affilie = await session.get(Affilie, cible.affilie_id) if cible is not None else None
    if cible is None or affilie is None:
        raise Introuvable(
            f"Aucun document n° {document_id} dans la campagne {annee} : vérifiez le numéro et l'année (page « Remise "
            "des documents » de la campagne)."
        )
    aujourd_hui = datetime.now(PARIS).date()
    if dai.motif_exclusion({c: getattr(affilie, c) for c in dai.CHAMPS_EXCLUSION.values()}, aujourd_hui):
        raise Conflit(
            "L'agent n'a plus droit aux documents de la campagne (décès, retraite ou radiation enregistré) : le "
            "document n'est pas renvoyé."
        )
    if await perimetre_campagne.exclu_en_vigueur(
        session, numero(campagne), affilie.id, affilie.employeur_id or cible.employeur_id
    ):
        raise Conflit(
            "L'agent, ou son employeur, est exclu de la campagne : le document n'est pas renvoyé. Levez d'abord "
            "l'exclusion (page de la campagne) si elle n'a plus lieu d'être."
        )
    canal_du_renvoi(corps.canal, affilie.canal, affilie.email, affilie.adresse_postale)
    demande = DemandeRenvoi(annee, document_id, corps.motif, compte.id or 0, corps.canal)
    await session.close()  # the wait below holds no connection
    async with joignable():
        try:
            handle = await demarrer_renvoi(await moteur.client(), moteur.settings.task_queue, demande)
        except WorkflowAlreadyStartedError:
            await _pas_deja_remplace(session, document_id)
            raise Conflit(f"Le document n° {document_id} a déjà été renvoyé.") from None
        try:
            resultat = await asyncio.wait_for(handle.result(), ATTENTE_RESULTAT)
        except TimeoutError:
            return RenvoiPublic(etat="en_cours", document_remplace_id=document_id)
        except WorkflowFailureError as echec:
            raise Conflit(
                motif_du_refus(
                    echec, REFUS_RENVOI, "Le renvoi du document n'a pas abouti : réessayez dans quelques minutes."
                )
            ) from None
    return _public(resultat)


async def _pas_deja_remplace(session: AsyncSession, document_id: int) -> None:
    suivant = await renvoi_campagne.remplacant(session, document_id)
    if suivant is not None:
        raise Conflit(
            f"Le document n° {document_id} a déjà été remplacé, le {date_fr(suivant.cree_le)}, par le document "
            f"n° {suivant.id} : pour un nouvel envoi, renvoyez celui-ci."
        )


def _public(resultat: ResultatRenvoi) -> RenvoiPublic:
    return RenvoiPublic(etat="renvoye", **asdict(resultat))
