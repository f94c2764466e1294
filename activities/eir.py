"""The EIR's side effects. Each method is one activity; the class holds its dependencies.

Every write is idempotent (a retried or replayed step stores nothing twice, mails no one twice),
and each state change is written with its history event in one transaction, so the API shows at
once what a user just did.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import contenu_bilan, contenu_ris
from activities.mails import ExpediteurMails, adresse_de, contexte_tache
from domain.eir import (
    CompletionTache,
    EnregistrementEnquete,
    NotificationEir,
    NouvelleTache,
    ProductionDocument,
    PublicationRis,
    TerminaisonTache,
    Transition,
)
from domain.etats import Acteur, EtatTache, TypeDocument
from persistence import depots
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, DemandeEirTable, Document, Employeur, ReponseEnqueteTable, Tache


class ActivitesEir:
    def __init__(
        self, sessions: SessionFactory, mails: ExpediteurMails, url_publique: str, mail_superviseurs: str
    ) -> None:
        self._sessions = sessions
        self._mails = mails
        self._url = url_publique.rstrip("/")
        self._mail_superviseurs = mail_superviseurs

    @activity.defn(name="eir_transition")
    async def transition(self, transition: Transition) -> None:
        async with transaction(self._sessions) as session:
            await depots.appliquer_transition(session, transition)

    @activity.defn(name="eir_creer_tache")
    async def creer_tache(self, nouvelle: NouvelleTache) -> int:
        async with transaction(self._sessions) as session:
            demande = await _demande(session, nouvelle.demande_id)
            tache, creee = await depots.creer_tache(
                session,
                Tache(
                    cle=nouvelle.cle,
                    type=nouvelle.type.value,
                    workflow_id=nouvelle.workflow_id,
                    demande_id=demande.id,
                    employeur_id=demande.employeur_id,
                    affilie_id=demande.affilie_id,
                    etat=EtatTache.ouverte.value,
                    echeance=nouvelle.echeance,
                    creee_le=nouvelle.horodatage,
                    details=nouvelle.details,
                ),
            )
            if creee:
                await depots.ajouter_evenement(
                    session,
                    demande.workflow_id,
                    "tache_creee",
                    Acteur.cnracl.value,
                    nouvelle.horodatage,
                    details={"tache_id": tache.id, "type": tache.type, "echeance": nouvelle.echeance.isoformat()},
                )
            assert tache.id is not None
            return tache.id

    @activity.defn(name="eir_terminer_tache")
    async def terminer_tache(self, completion: CompletionTache) -> None:
        """Store the employer's answer: CIR corrections, end-of-career index, task done."""
        async with transaction(self._sessions) as session:
            await _terminer(session, completion)

    @activity.defn(name="eir_terminer_tache_et_transition")
    async def terminer_et_transiter(self, terminaison: TerminaisonTache) -> None:
        """``terminer_tache`` then ``transition`` in one transaction: the answer and the state it leads to are
        written together, one local activity (and one round of the workflow task) fewer per answer."""
        async with transaction(self._sessions) as session:
            await _terminer(session, terminaison.completion)
            await depots.appliquer_transition(session, terminaison.transition)

    @activity.defn(name="eir_generer_ris")
    async def generer_ris(self, production: ProductionDocument) -> int:
        """The RIS from the CIR as it stands now."""
        async with transaction(self._sessions) as session:
            return await self._produire_ris(session, production)

    async def _produire_ris(self, session, production: ProductionDocument) -> int:
        return await self._produire(
            session,
            production,
            TypeDocument.ris,
            lambda affilie, lignes, enfants, demande: contenu_ris(affilie, lignes, production.horodatage.date()),
        )

    @activity.defn(name="eir_publier_ris")
    async def publier_ris(self, publication: PublicationRis) -> int:
        """``generer_ris`` then ``notifier`` in one activity (one workflow task and one activity task fewer
        after each answer of the employer) and one transaction: the RIS and its mail in the outbox are
        committed together, the mail sent after; then, with ``transition``, the state « RIS disponible », once
        the mail is marked sent (one local activity fewer). All are idempotent: a retry finds
        the RIS, sends the mail once, finds the state's event."""
        async with transaction(self._sessions) as session:
            document_id = await self._produire_ris(session, publication.production)
            reserve = await self._reserver(session, replace(publication.avis, document_id=document_id))
        transition = publication.transition
        await self._mails.expedier(
            reserve,
            ensuite=None if transition is None else lambda session: depots.appliquer_transition(session, transition),
        )
        return document_id

    @activity.defn(name="eir_calculer_bilan")
    async def calculer_bilan(self, production: ProductionDocument) -> int:
        """Run the pension simulations with the chosen end-of-career index; store the bilan."""
        async with transaction(self._sessions) as session:
            return await self._produire(
                session,
                production,
                TypeDocument.bilan,
                lambda affilie, lignes, enfants, demande: contenu_bilan(
                    affilie, lignes, enfants, demande.indice_fin_de_carriere, production.horodatage.date()
                ),
            )

    @staticmethod
    async def _produire(session, production: ProductionDocument, type: TypeDocument, contenu) -> int:
        """Store one document of the request (once: its key is the process step)."""
        demande = await _demande(session, production.demande_id)
        affilie = await _lire(session, Affilie, demande.affilie_id)
        assert affilie is not None and affilie.id is not None
        lignes = await depots.lignes_cir(session, affilie.id)
        enfants = await depots.enfants(session, affilie.id)
        document, _ = await depots.enregistrer_document(
            session,
            Document(
                cle=production.cle,
                type=type.value,
                affilie_id=affilie.id,
                demande_id=demande.id,
                cree_le=production.horodatage,
                contenu=contenu(affilie, lignes, enfants, demande),
            ),
        )
        _garder(session, document)
        assert document.id is not None
        return document.id

    @activity.defn(name="eir_enregistrer_enquete")
    async def enregistrer_enquete(self, enregistrement: EnregistrementEnquete) -> None:
        async with transaction(self._sessions) as session:
            await depots.enregistrer_enquete(
                session,
                ReponseEnqueteTable(
                    demande_id=enregistrement.demande_id,
                    reponses=enregistrement.reponses.reponses,
                    commentaire=enregistrement.reponses.commentaire,
                    recue_le=enregistrement.horodatage,
                ),
            )

    @activity.defn(name="eir_notifier")
    async def notifier(self, notification: NotificationEir) -> None:
        """Mail one event to one recipient, once (the outbox key is the notification's ``cle``): its context
        read and the mail stored in the outbox in one transaction, sent after."""
        async with transaction(self._sessions) as session:
            reserve = await self._reserver(session, notification)
        await self._mails.expedier(reserve)

    async def _reserver(self, session, notification: NotificationEir):
        contexte, destinataire = await self._contexte(session, notification)
        return await self._mails.reserver(
            session,
            cle=notification.cle,
            evenement=notification.evenement,
            destinataire=destinataire,
            contexte=contexte,
            processus_id=contexte["demande"]["workflow_id"],
            horodatage=notification.horodatage,
        )

    async def _contexte(self, session, notification: NotificationEir) -> tuple[dict[str, Any], str]:
        demande = await _demande(session, notification.demande_id)
        affilie = await _lire(session, Affilie, demande.affilie_id)
        employeur = await _lire(session, Employeur, demande.employeur_id) if demande.employeur_id else None
        assert affilie is not None
        contexte: dict[str, Any] = {
            "url": self._url,
            "affilie": {"prenom": affilie.prenom, "nom": affilie.nom},
            "employeur": {
                "raison_sociale": employeur.raison_sociale if employeur else "votre dernier employeur CNRACL",
                "siret": employeur.siret if employeur else "",
            },
            "demande": {
                "id": demande.id,
                "reference": f"EIR-{demande.id}",
                "date_demande": demande.date_demande.isoformat(),
                "workflow_id": demande.workflow_id,
            },
        }
        contexte |= await contexte_tache(session, notification.tache_id)
        if notification.document_id is not None:
            document = await _lire(session, Document, notification.document_id)
            assert document is not None
            contexte["document"] = document.contenu
        return contexte, adresse_de(notification.destinataire, affilie, employeur, self._mail_superviseurs)


async def _terminer(session, completion: CompletionTache) -> None:
    reponse = completion.reponse
    tache = await session.get(Tache, reponse.tache_id)
    demande = await _demande(session, completion.demande_id)
    if tache is None:
        raise ApplicationError(f"tâche {reponse.tache_id} inconnue", type="TacheInconnue", non_retryable=True)
    if (
        await depots.terminer_tache(
            session,
            tache,
            demande.affilie_id,
            demande.employeur_id,
            reponse,
            completion.horodatage,
            demande.workflow_id,
        )
        and reponse.indice_fin_de_carriere is not None
    ):
        demande.indice_fin_de_carriere = reponse.indice_fin_de_carriere
        session.add(demande)


async def _demande(session, demande_id: int) -> DemandeEirTable:
    demande = await _lire(session, DemandeEirTable, demande_id)
    if demande is None:
        raise ApplicationError(f"demande EIR {demande_id} inconnue", type="DemandeInconnue", non_retryable=True)
    return demande


async def _lire(session, modele, identifiant: int):
    """``session.get``, the row then kept until the transaction ends. The session's identity map holds the rows
    it has not changed weakly: without this, an activity that reads a row twice in one transaction (the
    request and the agent for the RIS, then again for its mail's context) would send the query twice."""
    return _garder(session, await session.get(modele, identifiant))


def _garder(session, ligne):
    if ligne is not None:
        session.info.setdefault("lues", []).append(ligne)
    return ligne
