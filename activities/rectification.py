"""Side effects of a rectificative RIS/EIG request of its own: the rectified document."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import contenu_eig, contenu_ris
from activities.processus import lire
from domain.etats import EtatTache, TypeDocument
from domain.rectification import MENTION_RECLAMATION_EIG, ProductionRectifie
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, Document, Employeur, RectificationTable, Tache


class ActivitesRectification:
    """The rectification's own side effect: the rectified document (its transitions, tasks and mails are the
    shared ones of ``activities.processus``)."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="rectification_produire_document")
    async def produire_document(self, production: ProductionRectifie) -> int:
        """The document answering the request (once per request), from the CIR as the employers left it: the
        rectified RIS or EIG with the lines they changed (« corrigée »), or the document as it stands with their
        reasons (« aucune erreur constatée »)."""
        async with transaction(self._sessions) as session:
            rectification = await lire(session, RectificationTable, production.rectification_id)
            affilie = await lire(session, Affilie, rectification.affilie_id)
            lignes = await depots.lignes_cir(session, rectification.affilie_id)
            aujourd_hui = production.horodatage.date()
            enfants = await depots.enfants(session, rectification.affilie_id)
            if rectification.type_document == TypeDocument.eig.value:
                contenu = contenu_eig(affilie, lignes, enfants, aujourd_hui)
                contenu["reclamation_eig"] = True
                contenu["mention"] = MENTION_RECLAMATION_EIG
            else:
                contenu = contenu_ris(affilie, lignes, aujourd_hui, enfants=enfants)
            contenu.update(
                rectificatif=production.resultat == "corrigee",
                annee_document=rectification.annee_document,
                rectification_id=rectification.id,
                reponse_rectification=await _reponse(session, rectification, production.resultat),
            )
            document, _ = await depots.enregistrer_document(
                session,
                Document(
                    cle=f"{rectification.workflow_id}:document",
                    type=rectification.type_document,
                    affilie_id=rectification.affilie_id,
                    cree_le=production.horodatage,
                    contenu=contenu,
                ),
            )
            if document.id is None:
                raise ApplicationError("document enregistré sans numéro", type="DocumentSansNumero")
            return document.id


async def _reponse(session: AsyncSession, rectification: RectificationTable, resultat: str) -> dict[str, Any]:
    """What the employers answered: the outcome, the period, the CIR lines each wrote, the reasons of those that
    found no error (read from their tasks' stored answers)."""
    taches = (
        await session.exec(
            select(Tache)
            .where(Tache.workflow_id == rectification.workflow_id, Tache.etat == EtatTache.terminee.value)
            .order_by(col(Tache.id))
        )
    ).all()
    lignes: list[dict[str, Any]] = []
    motifs: list[dict[str, str]] = []
    for tache in taches:
        reponse = tache.reponse or {}
        employeur = await session.get(Employeur, tache.employeur_id) if tache.employeur_id else None
        nom = employeur.raison_sociale if employeur else ""
        lignes += [{**ligne, "employeur": nom} for ligne in reponse.get("corrections", [])]
        if reponse.get("resultat") == "aucune_erreur":
            motifs.append({"employeur": nom, "motif": reponse.get("motif", "")})
    return {
        "resultat": resultat,
        "periode_debut": rectification.periode_debut.isoformat(),
        "periode_fin": rectification.periode_fin.isoformat(),
        "lignes_modifiees": lignes,
        "motifs": motifs,
    }
