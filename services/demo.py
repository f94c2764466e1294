"""The demo's processes, started through the use cases and the workflows as the agents and employers would.

Once the worker runs, :func:`animer_la_demo` takes each demo agent of ``persistence.demo.SCENARIOS`` to its state:
EIRs at every step, rectifications on each routing path, validation-of-services dossiers, the previous and the
current DAI campaigns. It is idempotent: an agent that already has a process of the kind, or a campaign already
launched, is left where it is (a second ``cnracl run`` adds nothing; a scenario a first run did not reach is
started by the next), and a database without the demo's accounts is never touched.

Not shown: the « incident » and « annulee » states — an incident needs data that breaks the CIR's rules, which the
demo's data keep (tests/persistence/test_cir_donnees.py) — and the states a process passes in a second
(« enregistree », « simulations_en_cours »).

Time that must pass (the employer notified after 5 days, reminded after 10, the supervisors alerted after 20, the
survey 14 days after the bilan) passes in seconds: those processes are started with short delays in their input,
as the tests do — the delays are the process's own settings, read when it starts. Every other date is today's
(the request's, the tasks', the documents'); the overdue tasks are those whose short deadline has passed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, func, select

from domain.campagne import PARIS
from domain.erreurs import ErreurMetier, Indisponible, MoteurIndisponible
from persistence import depots, depots_campagne
from persistence.db import SessionFactory
from persistence.demo import NOMS, SCENARIOS, identifiant_agent
from persistence.fabrique import siret_valide
from persistence.models import (
    Affilie,
    Compte,
    DemandeEirTable,
    Employeur,
    LigneCirTable,
    RectificationTable,
    Tache,
)
from services import campagnes, eir, rectifications, taches
from services.base import base_de_donnees
from services.echeances import demarrer_echeances
from services.moteur import Moteur
from settings import Settings
from workflows.campagne_client import demande_campagne
from workflows.client import delais_instruction, delais_taches

journal = logging.getLogger(__name__)

ATTENTE = 180.0  # seconds a process may take to reach the state the demo shows
# The short delays of the processes that show time having passed (see the module's docstring).
_COURT = timedelta(seconds=2)


def _moteur(settings: Settings, **delais: timedelta) -> Moteur:
    return Moteur(settings.model_copy(update=delais))


class _Demo:
    def __init__(self, sessions: SessionFactory, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        # The real delays (the employer notified after 5 days): a request that stays « enregistrée ».
        self.reel = Moteur(settings)
        # The employer notified at once; reminder, escalation and survey at their real delays.
        self.notifie = _moteur(settings, eir_delai_notification_employeur=_COURT)
        self.en_retard = _moteur(
            settings, eir_delai_notification_employeur=_COURT, relance_employeur=timedelta(seconds=4)
        )
        self.escalade = _moteur(
            settings,
            eir_delai_notification_employeur=_COURT,
            relance_employeur=timedelta(seconds=4),
            escalade_superviseur=timedelta(seconds=8),
        )
        self.enquete = _moteur(settings, eir_delai_notification_employeur=_COURT, eir_delai_enquete=_COURT)

    # --- reading ---

    async def compte(self, identifiant: str) -> Compte | None:
        async with self.sessions() as session:
            return await depots.compte_par_identifiant(session, identifiant)

    async def attendre(self, condition: Callable[[], Awaitable[bool]], quoi: str) -> None:
        fin = asyncio.get_running_loop().time() + ATTENTE
        while not await condition():
            if asyncio.get_running_loop().time() > fin:
                raise TimeoutError(f"démonstration : {quoi} non atteint après {ATTENTE:.0f} s")
            await asyncio.sleep(0.5)

    async def etat_eir(self, demande_id: int, *etats: str) -> None:
        async def atteint() -> bool:
            async with self.sessions() as session:
                demande = await session.get(DemandeEirTable, demande_id)
                return demande is not None and demande.etat in etats

        await self.attendre(atteint, f"l'état {' ou '.join(etats)} de la demande n° {demande_id}")

    async def tache_ouverte(self, workflow_id: str, marque: str | None = None) -> Tache:
        trouvee: list[Tache] = []

        async def ouverte() -> bool:
            async with self.sessions() as session:
                requete = select(Tache).where(Tache.workflow_id == workflow_id, Tache.etat == "ouverte")
                if marque is not None:
                    requete = requete.where(col(getattr(Tache, marque)).is_not(None))
                trouvee[:] = (await session.exec(requete)).all()
                return bool(trouvee)

        await self.attendre(ouverte, f"une tâche ouverte du processus {workflow_id}")
        return trouvee[0]

    async def admin_de(self, employeur_id: int | None) -> Compte:
        async with self.sessions() as session:
            compte = (
                await session.exec(
                    select(Compte)
                    .join(Employeur, col(Employeur.id) == col(Compte.employeur_id))
                    .where(Employeur.id == employeur_id, Compte.profil == "admin")
                )
            ).first()
        if compte is None:
            raise RuntimeError(f"démonstration : aucun administrateur pour l'employeur n° {employeur_id}")
        return compte

    # --- EIR ---

    async def eir(self, agent: Compte, cible: str) -> None:
        async with self.sessions() as session:
            if (
                await session.exec(
                    select(func.count())
                    .select_from(DemandeEirTable)
                    .where(DemandeEirTable.affilie_id == agent.affilie_id)
                )
            ).one():
                return
        moteur = {
            "attente_notification_employeur": self.reel,
            "retiree": self.reel,
            "en_retard": self.en_retard,
            "escalade": self.escalade,
            "enquete_envoyee": self.enquete,
            "close": self.enquete,
        }.get(cible, self.notifie)
        async with self.sessions() as session:
            creee = await eir.demander(session, moteur, agent, eir.NouvelleDemande())
        if cible in ("attente_notification_employeur", "retiree"):
            await self.etat_eir(creee.id, "attente_notification_employeur")
            if cible == "retiree":
                async with self.sessions() as session:
                    await eir.retirer(session, moteur, agent, creee.id)
                await self.etat_eir(creee.id, "retiree")
            return
        await self.etat_eir(creee.id, "verification_employeur")
        if cible in ("verification_employeur", "en_retard", "escalade"):
            marque = {"en_retard": "relancee_le", "escalade": "escaladee_le"}.get(cible)
            await self.tache_ouverte(creee.workflow_id, marque)
            return
        tache = await self.tache_ouverte(creee.workflow_id)
        employeur = await self.admin_de(tache.employeur_id)
        async with self.sessions() as session:
            affilie = await session.get(Affilie, agent.affilie_id)
            indice = (affilie.indice_majore if affilie else None) or 500
            await taches.completer(
                session,
                moteur,
                employeur,
                tache.id or 0,
                taches.Completion(carriere_verifiee=True, indice_fin_de_carriere=indice + 15),
            )
        await self.etat_eir(creee.id, "ris_disponible")
        if cible == "ris_disponible":
            return
        if cible == "consolidation_employeur":
            async with self.sessions() as session:
                annee = await self._une_annee(agent)
                corps = eir.Consolidation(
                    periodes=[eir.PeriodeAConsolider(annee=annee, commentaire="Il manque mon contrat de remplacement.")]
                )
                await eir.demander_consolidation(session, moteur, agent, creee.id, corps)
            await self.etat_eir(creee.id, "consolidation_employeur")
            return
        async with self.sessions() as session:
            await eir.valider_ris(session, moteur, agent, creee.id)
        if cible == "bilan_disponible":
            await self.etat_eir(creee.id, "bilan_disponible")
            return
        await self.etat_eir(creee.id, "enquete_envoyee")
        if cible == "close":
            async with self.sessions() as session:
                enquete = eir.Enquete(reponses=[4, 5, 4, 3, 5], commentaire="Entretien clair, merci.")
                await eir.repondre_enquete(session, moteur, agent, creee.id, enquete)
            await self.etat_eir(creee.id, "close")

    async def _une_annee(self, agent: Compte) -> int:
        async with self.sessions() as session:
            premiere = (
                await session.exec(
                    select(func.min(LigneCirTable.annee)).where(LigneCirTable.affilie_id == agent.affilie_id)
                )
            ).one()
        return int(premiere or date.today().year - 10) + 2

    # --- campaigns ---

    async def campagne(self, annee: int, moteur: Moteur) -> None:
        async with self.sessions() as session:
            if await depots_campagne.campagne_par_annee(session, annee, False) is not None:
                return
            try:
                # confirmed: the demo means to launch campaigns whose dates have passed (the confirmation asked
                # of a supervisor is for a person who might not)
                await campagnes.lancer(session, moteur, annee, False, confirmation=True)
            except MoteurIndisponible:
                raise
            except Indisponible:  # started: its row comes when the worker, busy with the demo, reaches it
                journal.info("démonstration : la campagne %s démarre", annee)

    async def campagnes(self) -> None:
        """The current campaign (launched this year's July, or last year's before July) at its update stage — its
        deadline 30 days from today in its input —, and the one before it on its real calendar: past, it runs
        through to its documents (sent from September to December of the year after it)."""
        maintenant = datetime.now(UTC)
        annee = campagnes.annee_en_cours(self.settings, maintenant)
        lancement = demande_campagne(self.settings, annee).calendrier.lancement.astimezone(PARIS)
        # In whole days from the launch, so that the deadline falls on the date 30 days from today, at any hour.
        jusqu_a_la_limite = date.today() + timedelta(days=30) - lancement.date()
        courante = _moteur(self.settings, campagne_delai_mise_a_jour=jusqu_a_la_limite)
        await asyncio.gather(self.campagne(annee, courante), self.campagne(annee - 1, self.reel))

    # --- rectifications ---

    async def rectification(self, agent: Compte, routage: str) -> None:
        async with self.sessions() as session:
            if (
                await session.exec(
                    select(func.count())
                    .select_from(RectificationTable)
                    .where(RectificationTable.affilie_id == agent.affilie_id)
                )
            ).one():
                return
        premiere = await self._une_annee(agent) - 2
        annee = {"employeur_actuel": premiere + 8, "employeur_precedent": premiere + 1}.get(routage, premiere - 1)
        corps = rectifications.NouvelleRectification(
            type_document="ris",
            annee_document=date.today().year,
            periode_debut=date(annee, 1, 1),
            periode_fin=date(annee, 12, 31),
            motif={
                "employeur_actuel": "Mon temps partiel de cette année est indiqué à temps plein.",
                "employeur_precedent": "Mon indice de cette année est faux.",
                "employeur_precedent_hors_systeme": "Cette année de service public manque dans mon relevé.",
                "autre_regime": "Cette année d'emploi privé n'apparaît pas.",
            }[routage],
            siret_employeur=siret_valide(99887766, 17) if routage == "employeur_precedent_hors_systeme" else None,
            regime="regime_general" if routage == "autre_regime" else None,
        )
        async with self.sessions() as session:
            cree = await rectifications.demander(session, self.notifie, agent, corps)
        if cree.routage != routage:
            journal.warning(
                "démonstration : rectification n° %s routée %s au lieu de %s", cree.id, cree.routage, routage
            )


async def animer(sessions: SessionFactory, settings: Settings) -> bool:
    """Take the demo's agents to their states; False (and nothing done) when the base has no demo accounts."""
    demo = _Demo(sessions, settings)
    superviseur = await demo.compte("superviseur")
    if superviseur is None or superviseur.role != "superviseur":
        return False
    scenarios: list[Awaitable[None]] = []
    for rang, scenario in SCENARIOS.items():
        agent = await demo.compte(identifiant_agent(*NOMS[rang][:2]))
        if agent is None or agent.affilie_id is None:
            continue
        genre, _, cible = scenario.processus.partition(":")
        if genre == "eir":
            scenarios.append(demo.eir(agent, cible))
        elif genre == "rectification":
            scenarios.append(demo.rectification(agent, cible))
    if not scenarios:  # not the demo's base: nothing to start there
        return False
    scenarios.append(demo.campagnes())
    for resultat in await asyncio.gather(*scenarios, return_exceptions=True):
        if isinstance(resultat, (ErreurMetier, TimeoutError, RuntimeError)):
            journal.warning("démonstration : %s", resultat)
        elif isinstance(resultat, BaseException):
            raise resultat
    # The validation-of-services deadlines of the eligible agents (idempotent: one dossier per agent).
    await demarrer_echeances(
        sessions,
        await demo.reel.client(),
        settings.task_queue,
        settings.validation_rappels,
        delais_taches(settings),
        date.today(),
        instruction=delais_instruction(settings),
    )
    return True


async def animer_la_demo(settings: Settings) -> bool:
    """:func:`animer` on the service's database (``cnracl run`` calls it once the worker runs)."""
    async with base_de_donnees(settings) as sessions:
        return await animer(sessions, settings)
