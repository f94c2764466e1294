"""Side effects of a validation-of-services deadline: its projection and its mails."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mails import ExpediteurMails, adresse_de, contexte_tache
from domain.validation import NotificationValidation, TransitionValidation
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, DossierValidationTable, Employeur


class ActivitesValidation:
    def __init__(
        self, sessions: SessionFactory, mails: ExpediteurMails, url_publique: str, mail_superviseurs: str
    ) -> None:
        self._sessions = sessions
        self._mails = mails
        self._url = url_publique.rstrip("/")
        self._mail_superviseurs = mail_superviseurs

    @activity.defn(name="validation_transition")
    async def transition(self, transition: TransitionValidation) -> None:
        async with transaction(self._sessions) as session:
            dossier = await _dossier(session, transition.dossier_id)
            vue = transition.vue
            dossier.etat = vue.etat.value
            dossier.en_attente_de = vue.en_attente_de.value if vue.en_attente_de else None
            dossier.modifiee_le = transition.horodatage
            if transition.evenement == "demande_recue":
                dossier.demande_le = transition.horodatage.date()
            if vue.etat.value in ("acceptee", "rejetee"):
                dossier.decision = vue.etat.value
            if vue.termine:
                dossier.terminee_le = transition.horodatage
            session.add(dossier)
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

    @activity.defn(name="validation_notifier")
    async def notifier(self, notification: NotificationValidation) -> None:
        async with self._sessions() as session:
            dossier = await _dossier(session, notification.dossier_id)
            affilie = await session.get(Affilie, dossier.affilie_id)
            assert affilie is not None
            employeur = await session.get(Employeur, affilie.employeur_id) if affilie.employeur_id else None
            contexte: dict[str, Any] = {
                "url": self._url,
                "affilie": {"prenom": affilie.prenom, "nom": affilie.nom},
                "employeur": {
                    "raison_sociale": employeur.raison_sociale if employeur else "",
                    "siret": employeur.siret if employeur else "",
                },
                "dossier": {
                    "id": dossier.id,
                    "reference": f"VAL-{dossier.id}",
                    "workflow_id": dossier.workflow_id,
                    "date_limite": dossier.date_limite.isoformat(),
                    "regle": dossier.regle,
                    "decision": dossier.decision or "",
                },
            }
            contexte |= await contexte_tache(session, notification.tache_id)
            destinataire = adresse_de(notification.destinataire, affilie, employeur, self._mail_superviseurs)
        await self._mails.envoyer_une_fois(
            cle=notification.cle,
            evenement=notification.evenement,
            destinataire=destinataire,
            contexte=contexte,
            processus_id=dossier.workflow_id,
            horodatage=notification.horodatage,
        )


async def _dossier(session, dossier_id: int) -> DossierValidationTable:
    dossier = await session.get(DossierValidationTable, dossier_id)
    if dossier is None:
        raise ApplicationError(f"dossier {dossier_id} inconnu", type="DossierInconnu", non_retryable=True)
    return dossier
