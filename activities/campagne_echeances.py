"""The campaign's deadlines (issue 24, §8): an employer's own reminder before its extended deadline, its tasks
closed at that date, and the late employers' one reminder after the cut-off. Each method is one activity; every
write is idempotent and every mail has its key, so a retried step mails no one twice."""

from __future__ import annotations

from temporalio import activity

from activities.campagne import Rappel, contexte_employeur, rappeler_employeurs
from activities.campagne_mails import ExpediteurGroupe, MailCampagne
from domain.campagne import cle_mail_employeur
from domain.campagne_echeances import EcheanceEmployeurs
from domain.etats import EtatTache
from persistence import depots_campagne, depots_echeances
from persistence.db import SessionFactory, transaction


class ActivitesEcheances:
    def __init__(self, sessions: SessionFactory, mails: ExpediteurGroupe, url_publique: str) -> None:
        self._sessions = sessions
        self._mails = mails
        self._url = url_publique.rstrip("/")

    @activity.defn(name="campagne_rappeler_avant_delai")
    async def rappeler_avant_delai(self, echeance: EcheanceEmployeurs) -> int:
        """The employer's own reminder before its extended deadline, if its tasks are still open and the deadline
        is still that one (a later extension has its own)."""
        if echeance.employeur_id is None or echeance.date_limite is None:
            return 0
        async with self._sessions() as session:
            employeurs = await depots_echeances.employeurs_a_rappeler(
                session, echeance.campagne_id, echeance.workflow_id, echeance.employeur_id, echeance.date_limite
            )
        jour = f"{echeance.date_limite:%Y-%m-%d}"
        return await rappeler_employeurs(
            self._mails,
            self._sessions,
            self._url,
            Rappel(
                echeance.campagne_id,
                echeance.workflow_id,
                echeance.annee,
                echeance.date_limite,
                echeance.horodatage,
                int(employeurs[0]["rappels"]) if employeurs else 0,
            ),
            employeurs,
            lambda e: cle_mail_employeur(echeance.workflow_id, f"rappel-delai-{jour}", e["id"]),
        )

    @activity.defn(name="campagne_clore_a_la_date_limite")
    async def clore_a_la_date_limite(self, echeance: EcheanceEmployeurs) -> int:
        """At an employer's own deadline: late if tasks are left, and they are closed. Returns how many."""
        if echeance.employeur_id is None:
            return 0
        async with transaction(self._sessions) as session:
            await depots_echeances.signaler_en_retard(
                session, echeance.campagne_id, echeance.workflow_id, echeance.horodatage, echeance.employeur_id
            )
            return await depots_echeances.clore_taches(
                session, echeance.campagne_id, echeance.workflow_id, echeance.horodatage, echeance.employeur_id
            )

    @activity.defn(name="campagne_relancer_apres_limite")
    async def relancer_apres_limite(self, echeance: EcheanceEmployeurs) -> int:
        """The late employers' one reminder after their deadline (every one at the campaign's, or one after its
        own): their agents whose CIR was not confirmed, to update before the transmission. Returns how many
        employers of the campaign had theirs (read back: a retried step counts the same)."""
        async with self._sessions() as session:
            employeurs = await depots_echeances.employeurs_a_relancer(
                session, echeance.campagne_id, echeance.horodatage, echeance.employeur_id
            )
            ids = [e["id"] for e in employeurs]
            agents = await depots_campagne.agents_a_mettre_a_jour(
                session, echeance.campagne_id, echeance.workflow_id, ids, etat=EtatTache.close_date_limite
            )
        await self._mails.envoyer(
            [
                MailCampagne(
                    cle_mail_employeur(echeance.workflow_id, "relance-apres-limite", e["id"]),
                    "campagne_relance_apres_limite",
                    e["email"],
                    contexte_employeur(self._url, echeance.annee, echeance.date_limite, e, agents[e["id"]])
                    | {"transmission": echeance.transmission.isoformat() if echeance.transmission else ""},
                )
                for e in employeurs
            ],
            echeance.workflow_id,
            echeance.horodatage,
            activity.heartbeat,
        )
        async with transaction(self._sessions) as session:
            await depots_echeances.marquer_relances_apres_limite(
                session, echeance.campagne_id, ids, echeance.horodatage
            )
            return await depots_echeances.compter_relances_apres_limite(session, echeance.campagne_id)


def activites_echeances(sessions: SessionFactory, mails: ExpediteurGroupe, url_publique: str) -> list:
    echeances = ActivitesEcheances(sessions, mails, url_publique)
    return [echeances.rappeler_avant_delai, echeances.clore_a_la_date_limite, echeances.relancer_apres_limite]
