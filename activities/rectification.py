"""Side effects of a rectificative RIS/EIG request: its projection, its mails, the rectified document."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import contenu_eig, contenu_ris
from activities.mails import ExpediteurMails, adresse_de, contexte_tache
from domain.etats import TypeDocument
from domain.rectification import NotificationRectification, ProductionRectifie, TransitionRectification
from domain.regles import parametre
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, Document, Employeur, RectificationTable

MENTION_RECLAMATION_EIG = "Dossier instruit dans le cadre d'une réclamation sur l'EIG"


class ActivitesRectification:
    def __init__(
        self, sessions: SessionFactory, mails: ExpediteurMails, url_publique: str, mail_superviseurs: str
    ) -> None:
        self._sessions = sessions
        self._mails = mails
        self._url = url_publique.rstrip("/")
        self._mail_superviseurs = mail_superviseurs

    @activity.defn(name="rectification_affilie")
    async def affilie(self, rectification_id: int) -> int:
        async with self._sessions() as session:
            return (await _rectification(session, rectification_id)).affilie_id

    @activity.defn(name="rectification_transition")
    async def transition(self, transition: TransitionRectification) -> None:
        async with transaction(self._sessions) as session:
            rectification = await _rectification(session, transition.rectification_id)
            vue = transition.vue
            rectification.etat = vue.etat.value
            rectification.en_attente_de = vue.en_attente_de.value if vue.en_attente_de else None
            rectification.echeance = vue.echeance
            rectification.modifiee_le = transition.horodatage
            if vue.termine:
                rectification.terminee_le = transition.horodatage
            if "document_id" in transition.details:
                rectification.document_rectifie_id = transition.details["document_id"]
            session.add(rectification)
            await depots.ajouter_evenement(
                session,
                transition.workflow_id,
                transition.evenement,
                transition.acteur.value,
                transition.horodatage,
                transition.compte_id,
                transition.details,
                une_fois=True,
            )

    @activity.defn(name="rectification_produire_document")
    async def produire_document(self, production: ProductionRectifie) -> int:
        """The rectified RIS or EIG from the corrected CIR (once per request)."""
        async with transaction(self._sessions) as session:
            rectification = await _rectification(session, production.rectification_id)
            affilie = await session.get(Affilie, rectification.affilie_id)
            assert affilie is not None and affilie.id is not None
            lignes = await depots.lignes_cir(session, affilie.id)
            aujourd_hui = production.horodatage.date()
            if rectification.type_document == TypeDocument.eig.value:
                contenu = contenu_eig(affilie, lignes, await depots.enfants(session, affilie.id), aujourd_hui)
                contenu["reclamation_eig"] = True
                contenu["mention"] = MENTION_RECLAMATION_EIG
            else:
                contenu = contenu_ris(affilie, lignes, aujourd_hui)
            contenu.update(
                rectificatif=True, annee_document=rectification.annee_document, rectification_id=rectification.id
            )
            document, _ = await depots.enregistrer_document(
                session,
                Document(
                    cle=f"{rectification.workflow_id}:document",
                    type=rectification.type_document,
                    affilie_id=affilie.id,
                    cree_le=production.horodatage,
                    contenu=contenu,
                ),
            )
            assert document.id is not None
            return document.id

    @activity.defn(name="rectification_notifier")
    async def notifier(self, notification: NotificationRectification) -> None:
        async with self._sessions() as session:
            rectification = await _rectification(session, notification.rectification_id)
            affilie = await session.get(Affilie, rectification.affilie_id)
            assert affilie is not None
            employeur = await session.get(Employeur, notification.employeur_id) if notification.employeur_id else None
            contexte: dict[str, Any] = {
                "url": self._url,
                "affilie": {"prenom": affilie.prenom, "nom": affilie.nom},
                "rectification": {
                    "id": rectification.id,
                    "reference": f"RECT-{rectification.id}",
                    "workflow_id": rectification.workflow_id,
                    "document": "EIG" if rectification.type_document == TypeDocument.eig.value else "RIS",
                    "annee_document": rectification.annee_document,
                    "periode_debut": rectification.periode_debut.isoformat(),
                    "periode_fin": rectification.periode_fin.isoformat(),
                    "motif": rectification.motif,
                    "reclamation_eig": rectification.reclamation_eig,
                    "mention_eig": MENTION_RECLAMATION_EIG,
                },
                "employeur": {
                    "raison_sociale": employeur.raison_sociale if employeur else "",
                    "siret": employeur.siret if employeur else "",
                },
            }
            if rectification.regime:
                regimes = parametre("regimes", "regimes", rectification.creee_le.date()).valeur  # type: ignore[union-attr]
                contexte["regime"] = regimes[rectification.regime]
            contexte |= await contexte_tache(session, notification.tache_id)
            destinataire = adresse_de(notification.destinataire, affilie, employeur, self._mail_superviseurs)
        await self._mails.envoyer_une_fois(
            cle=notification.cle,
            evenement=notification.evenement,
            destinataire=destinataire,
            contexte=contexte,
            processus_id=rectification.workflow_id,
            horodatage=notification.horodatage,
        )


async def _rectification(session, rectification_id: int) -> RectificationTable:
    rectification = await session.get(RectificationTable, rectification_id)
    if rectification is None:
        raise ApplicationError(
            f"rectification {rectification_id} inconnue", type="RectificationInconnue", non_retryable=True
        )
    return rectification
