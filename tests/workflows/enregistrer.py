"""Record the histories the replay test replays (``make historiques``): each process run end to end on
Temporal's time-skipping server, with the real activities (a migrated SQLite database, the real SMTP sink),
its history written to ``tests/workflows/historiques/<scenario>.<workflow id>.json`` (a replay needs the id: a
campaign names its children after it).

Re-record after a change of a workflow's code once no process started by the old code runs anywhere
(docs/versions.md); until then, the old histories must keep replaying.

    .venv/bin/python -m tests.workflows.enregistrer [NAME…]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.campagne import PARIS, Livraison
from domain.campagne_echeances import id_workflow_delai
from domain.campagne_rebonds import DemandeRebonds, Rebond
from domain.campagne_renvoi import DemandeRenvoi
from domain.cir import LigneCir, NatureService
from domain.eir import ActionAffilie, DemandeConsolidation, PeriodeASignaler, ReponsesEnquete
from domain.etats import Acteur, EtatMail, EtatTache
from domain.processus import SIGNAL_SITUATION, ActionSuperviseur, FinProcessus, MotifFin
from domain.rectification import DemandeRectification, Routage
from domain.taches import ReponseTache
from domain.task_queues import id_workflow_eir
from domain.validation import DecisionValidation, DemandeValidation, PeriodeDeclaree
from notifications.puits import demarrer_puits
from persistence import depots
from persistence.comptes import creer_compte
from persistence.db import SessionFactory, creer_moteur, fabrique_sessions, transaction
from persistence.fabrique import identifiant
from persistence.migrations import migrer_async
from persistence.models import Mail, RectificationTable, Tache
from persistence.models_campagne import CibleCampagne
from services.campagne_echeances import Prolongation, prolonger_delai
from services.moteur import Moteur
from settings import Settings
from tests.support.attente import attendre
from tests.support.campagne import population_campagne
from tests.support.environnement import BIN, port_libre, settings_de_test
from tests.support.fabriques import Population, ligne_chez, population
from tests.support.incidents import inserer_ligne_de_1800, supprimer_ligne_de_1800
from tests.support.validation import demarrer_echeance_validation
from worker import creer_worker
from workflows.campagne import LancementCampagneWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne, lancement_annuel
from workflows.campagne_documents import demarrer_rebonds, demarrer_renvoi
from workflows.client import delais_eir, delais_taches, demarrer_eir
from workflows.eir import EirWorkflow
from workflows.rectification import RectificationWorkflow
from workflows.validation import EcheanceValidationWorkflow

HISTORIQUES = Path(__file__).parent / "historiques"
ATTENTE = 30.0  # seconds (real time) for an activity's effect to show


@dataclass
class Banc:
    """One process's stack: its time-skipping server, database, worker settings and population."""

    env: WorkflowEnvironment
    settings: Settings
    sessions: SessionFactory
    pop: Population | None


Scenario = Callable[[Banc], Awaitable[list[WorkflowHistory]]]


@asynccontextmanager
async def banc(dossier: Path, avec_population: bool = True) -> AsyncIterator[Banc]:
    url = f"sqlite+aiosqlite:///{dossier / 'cnracl.db'}"
    await migrer_async(url)
    moteur = creer_moteur(url)
    sessions = fabrique_sessions(moteur)
    port = port_libre()
    controleur, _ = demarrer_puits(dossier / "mail", port=port)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=pydantic_data_converter
    )
    settings = settings_de_test(dossier, url, port)
    try:
        pop = await population(sessions) if avec_population else None
        async with creer_worker(env.client, settings, sessions):
            yield Banc(env, settings, sessions, pop)
    finally:
        await env.shutdown()
        controleur.stop()
        await moteur.dispose()


async def _tache_ouverte(banc: Banc, workflow_id: str) -> Tache:
    """The open task of the process, once its activity has written it."""
    fin = asyncio.get_running_loop().time() + ATTENTE
    while True:
        async with banc.sessions() as session:
            taches = (await session.exec(select(Tache).where(Tache.workflow_id == workflow_id))).all()
        ouvertes = [tache for tache in taches if tache.etat == EtatTache.ouverte.value]
        if ouvertes:
            return ouvertes[0]
        if asyncio.get_running_loop().time() > fin:
            raise TimeoutError(f"{workflow_id} : aucune tâche ouverte")
        await asyncio.sleep(0.05)


async def _etat_eir(handle: WorkflowHandle[Any, Any], etat: str) -> None:
    fin = asyncio.get_running_loop().time() + ATTENTE
    while (await handle.query(EirWorkflow.etat)).etat.value != etat:
        if asyncio.get_running_loop().time() > fin:
            raise TimeoutError(f"{handle.id} : jamais dans l'état {etat}")
        await asyncio.sleep(0.05)


async def _repondre(banc: Banc, handle: WorkflowHandle[Any, Any], completer_tache: Any, **reponse: Any) -> None:
    """The open task's recipient answers it (``completer_tache``: the process's own update)."""
    tache = await _tache_ouverte(banc, handle.id)
    await handle.execute_update(
        completer_tache,
        ReponseTache(tache_id=tache.id or 0, carriere_verifiee=True, sequence=tache.sequence, **reponse),
    )


async def _demarrer_eir(banc: Banc) -> WorkflowHandle[Any, Any]:
    if banc.pop is None:
        raise ValueError("l'EIR demande la population de test")
    async with transaction(banc.sessions) as session:
        demande = await depots.creer_demande_eir(
            session, banc.pop.affilie, date(2026, 3, 2), "en_ligne", datetime.now(UTC), id_workflow_eir
        )
    if demande.id is None:
        raise ValueError("demande non enregistrée")
    return await demarrer_eir(
        banc.env.client,
        banc.settings.task_queue,
        demande.id,
        demande.workflow_id,
        demande.date_demande,
        delais_eir(banc.settings),
    )


async def eir_complet(banc: Banc) -> list[WorkflowHistory]:
    """Reminder and escalation of the employer's task, one consolidation round, the survey answered."""
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=25, minutes=5))
    await _repondre(
        banc,
        handle,
        EirWorkflow.completer_tache,
        indice_fin_de_carriere=612,
        corrections=[{"date_debut": "2005-01-01", "date_fin": "2005-12-31", "quotite": 80}],
    )
    await _etat_eir(handle, "ris_disponible")
    await handle.execute_update(
        EirWorkflow.demander_consolidation,
        DemandeConsolidation(periodes=[PeriodeASignaler(annee=1996, commentaire="Stage manquant")]),
    )
    await _repondre(banc, handle, EirWorkflow.completer_tache)
    await _etat_eir(handle, "ris_disponible")
    await handle.execute_update(EirWorkflow.valider_ris, ActionAffilie())
    await _etat_eir(handle, "bilan_disponible")
    await banc.env.sleep(timedelta(days=14, hours=1))
    await _etat_eir(handle, "enquete_envoyee")
    await handle.execute_update(EirWorkflow.repondre_enquete, ReponsesEnquete(reponses=[5, 4, 4, 5, 3]))
    await handle.result()
    return [await handle.fetch_history()]


async def eir_retrait(banc: Banc) -> list[WorkflowHistory]:
    """The agent withdraws while the employer's task is open: the task is cancelled."""
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=5, minutes=5))
    await _tache_ouverte(banc, handle.id)
    await handle.execute_update(EirWorkflow.retirer, ActionAffilie())
    await handle.result()
    return [await handle.fetch_history()]


async def eir_annule(banc: Banc) -> list[WorkflowHistory]:
    """A supervisor cancels, with a reason, while the employer's task is open (not in incident)."""
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=5, minutes=5))
    await _tache_ouverte(banc, handle.id)
    await handle.execute_update(EirWorkflow.annuler, ActionSuperviseur(motif="Doublon d'une demande par téléphone"))
    await handle.result()
    return [await handle.fetch_history()]


async def eir_retraite(banc: Banc) -> list[WorkflowHistory]:
    """The agent retires while the employer's task is open: the signal ends the request (« sans objet »)."""
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=5, minutes=5))
    await _tache_ouverte(banc, handle.id)
    await handle.signal(SIGNAL_SITUATION, FinProcessus(MotifFin.retraite, date(2026, 9, 1)))
    await handle.result()
    return [await handle.fetch_history()]


async def eir_ris_sans_reponse(banc: Banc) -> list[WorkflowHistory]:
    """The RIS never answered by the agent: the request ends at the delay (a named end)."""
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=5, minutes=5))
    await _repondre(banc, handle, EirWorkflow.completer_tache, indice_fin_de_carriere=600)
    await _etat_eir(handle, "ris_disponible")
    await banc.env.sleep(banc.settings.eir_delai_validation_ris + timedelta(minutes=5))
    await handle.result()
    return [await handle.fetch_history()]


async def _eir_en_incident(banc: Banc) -> WorkflowHandle[Any, Any]:
    """Up to the RIS; a CIR line before the agent's birth slips in; the RIS validated: the bilan's calculation
    refuses the line, the request enters a business incident."""
    if banc.pop is None:
        raise ValueError("l'EIR demande la population de test")
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=5, minutes=5))
    await _repondre(banc, handle, EirWorkflow.completer_tache, indice_fin_de_carriere=600)
    await _etat_eir(handle, "ris_disponible")
    await inserer_ligne_de_1800(banc.sessions, banc.pop.affilie, banc.pop.employeur)
    await handle.execute_update(EirWorkflow.valider_ris, ActionAffilie())
    await _etat_eir(handle, "incident")
    return handle


async def eir_incident(banc: Banc) -> list[WorkflowHistory]:
    """A business incident resumed once before the fix (it fails again), then after it: the bilan, the survey
    left unanswered."""
    handle = await _eir_en_incident(banc)
    await handle.execute_update(EirWorkflow.reprendre, ActionSuperviseur(motif="essai avant correction"))
    fin = asyncio.get_running_loop().time() + ATTENTE
    while (incident := (await handle.query(EirWorkflow.etat)).incident) is None or incident.tentatives < 2:
        if asyncio.get_running_loop().time() > fin:
            raise TimeoutError(f"{handle.id} : la reprise n'a pas échoué à nouveau")
        await asyncio.sleep(0.05)
    await supprimer_ligne_de_1800(banc.sessions)
    await handle.execute_update(EirWorkflow.reprendre, ActionSuperviseur(motif="ligne supprimée"))
    await _etat_eir(handle, "bilan_disponible")
    await banc.env.sleep(timedelta(days=50))
    await handle.result()
    return [await handle.fetch_history()]


async def eir_reponse_refusee_puis_relance_par_correction(banc: Banc) -> list[WorkflowHistory]:
    """The employer's correction refused when written (the CIR changed since it was checked: a period written
    over it meanwhile), answered again; then a business incident resumed by the correction of the CIR itself
    (the employer deleted the line)."""
    if banc.pop is None:
        raise ValueError("l'EIR demande la population de test")
    handle = await _demarrer_eir(banc)
    await banc.env.sleep(timedelta(days=5, minutes=5))
    annee = date.today().year
    await ligne_chez(banc.sessions, banc.pop.affilie, banc.pop.employeur, date(annee, 1, 15), date(annee, 1, 31))
    refusee = False
    try:
        await _repondre(
            banc,
            handle,
            EirWorkflow.completer_tache,
            indice_fin_de_carriere=600,
            corrections=[{"date_debut": f"{annee}-01-01", "date_fin": f"{annee}-01-31"}],
        )
    except WorkflowUpdateFailedError:
        refusee = True  # the expected outcome: the process refuses the answer it could not write
    if not refusee:
        raise AssertionError("la correction aurait dû être refusée à l'écriture")
    await _repondre(banc, handle, EirWorkflow.completer_tache, indice_fin_de_carriere=600)
    await _etat_eir(handle, "ris_disponible")
    await inserer_ligne_de_1800(banc.sessions, banc.pop.affilie, banc.pop.employeur)
    await handle.execute_update(EirWorkflow.valider_ris, ActionAffilie())
    await _etat_eir(handle, "incident")
    await supprimer_ligne_de_1800(banc.sessions)
    await handle.execute_update(
        EirWorkflow.reprendre,
        ActionSuperviseur(motif="période du 01/01/1800 au 31/12/1800 supprimée", correction_par=Acteur.employeur),
    )
    await _etat_eir(handle, "bilan_disponible")
    await banc.env.sleep(timedelta(days=50))
    await handle.result()
    return [await handle.fetch_history()]


async def eir_incident_annule(banc: Banc) -> list[WorkflowHistory]:
    """A business incident cancelled by a supervisor, with its reason."""
    handle = await _eir_en_incident(banc)
    await handle.execute_update(EirWorkflow.annuler, ActionSuperviseur(motif="Carrière à reconstituer"))
    await handle.result()
    return [await handle.fetch_history()]


async def rectification(banc: Banc) -> list[WorkflowHistory]:
    """An EIG period at a former employer in the system: its transmission (reminded, escalated), then the
    current employer's task, then the rectified document."""
    if banc.pop is None:
        raise ValueError("la rectification demande la population de test")
    maintenant = datetime.now(UTC)
    actuel, precedent = banc.pop.employeur, banc.pop.autre_employeur
    async with transaction(banc.sessions) as session:
        ligne = RectificationTable(
            workflow_id=f"rectification-{banc.pop.affilie.cle}-1",
            affilie_id=banc.pop.affilie.id or 0,
            type_document="eig",
            annee_document=2026,
            periode_debut=date(1993, 1, 1),
            periode_fin=date(1993, 12, 31),
            motif="Période manquante",
            employeur_periode_siret=precedent.siret,
            employeur_periode_id=precedent.id,
            employeur_actuel_id=actuel.id,
            routage=Routage.employeur_precedent.value,
            reclamation_eig=True,
            etat="enregistree",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add(ligne)
        await session.flush()
    settings = banc.settings
    handle = await banc.env.client.start_workflow(
        RectificationWorkflow.run,
        DemandeRectification(
            ligne.id or 0,
            Routage.employeur_precedent,
            True,
            actuel.id,
            precedent.id,
            delais_taches(settings),
            settings.rectification_delai_global,
            [precedent.id or 0],
        ),
        id=ligne.workflow_id,
        task_queue=settings.task_queue,
    )
    await _tache_ouverte(banc, handle.id)
    await banc.env.sleep(settings.escalade_superviseur + timedelta(minutes=5))
    await _repondre(
        banc,
        handle,
        RectificationWorkflow.completer_tache,
        corrections=[{"date_debut": "1993-01-01", "date_fin": "1993-12-31", "nature": "non_titulaire_valide"}],
    )
    await _repondre(banc, handle, RectificationWorkflow.completer_tache)
    await handle.result()
    return [await handle.fetch_history()]


async def validation(banc: Banc) -> list[WorkflowHistory]:
    """A deadline 200 days ahead: the first reminder, the agent's request, the employer's certificates, the
    supervisor's decision."""
    if banc.pop is None:
        raise ValueError("la validation demande la population de test")
    settings, pop = banc.settings, banc.pop
    _, handle = await demarrer_echeance_validation(
        banc.sessions, banc.env.client, settings, pop.affilie, pop.employeur.id, await banc.env.get_current_time(), 200
    )
    await banc.env.sleep(timedelta(days=30))  # past the first reminder (180 days before the deadline)
    periode = PeriodeDeclaree(debut=date(1993, 1, 1), fin=date(1993, 12, 31))
    await handle.execute_update(EcheanceValidationWorkflow.demander, DemandeValidation(periodes=[periode]))
    certificat = LigneCir(
        date_debut=periode.debut, date_fin=periode.fin, nature=NatureService.non_titulaire_valide, indice_majore=300
    )
    await _repondre(banc, handle, EcheanceValidationWorkflow.completer_tache, corrections=[certificat])
    decision = await _tache_ouverte(banc, handle.id)  # the supervisor's
    await handle.execute_update(
        EcheanceValidationWorkflow.decider,
        DecisionValidation(decision="acceptee", motif="Services justifiés", sequence=decision.sequence),
    )
    await handle.result()
    return [await handle.fetch_history()]


async def _campagne_menee(banc: Banc) -> tuple[WorkflowHandle[Any, Any], int]:
    """A DAI campaign through its whole calendar, two batches of employers."""
    annee = (await banc.env.get_current_time()).year + 1
    await population_campagne(banc.sessions, annee)
    settings = banc.settings.model_copy(update={"campagne_taille_lot_employeurs": 2, "campagne_taille_paquet": 1})
    handle = await demarrer_campagne(banc.env.client, settings.task_queue, demande_campagne(settings, annee))
    await handle.result()
    return handle, annee


async def campagne(banc: Banc) -> list[WorkflowHistory]:
    """A DAI campaign through its whole calendar; its history and one batch's."""
    handle, _ = await _campagne_menee(banc)
    historique = await handle.fetch_history()
    lots = [
        event.start_child_workflow_execution_initiated_event_attributes.workflow_id
        for event in historique.events
        if event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    ]
    if not lots:
        raise ValueError("la campagne n'a lancé aucun lot")
    return [historique, await banc.env.client.get_workflow_handle(lots[0]).fetch_history()]


async def renvoi_campagne(banc: Banc) -> list[WorkflowHistory]:
    """After the campaign, a supervisor re-sends one of its documents (a new version, announced by mail)."""
    _, annee = await _campagne_menee(banc)
    async with banc.sessions() as session:
        cible = (
            await session.exec(select(CibleCampagne).where(col(CibleCampagne.livraison) == Livraison.courriel.value))
        ).first()
    if cible is None or cible.document_id is None:
        raise ValueError("la campagne n'a annoncé aucun document par courriel")
    handle = await demarrer_renvoi(
        banc.env.client,
        banc.settings.task_queue,
        DemandeRenvoi(annee, cible.document_id, "Indice corrigé après l'envoi", 0),
    )
    await handle.result()
    return [await handle.fetch_history()]


async def rebonds_campagne(banc: Banc) -> list[WorkflowHistory]:
    """After the campaign, the mail provider reports that an agent's mail came back: the agent goes on paper."""
    _, annee = await _campagne_menee(banc)
    async with banc.sessions() as session:
        mail = (
            await session.exec(
                select(Mail).where(Mail.evenement == "campagne_document_disponible", Mail.etat == EtatMail.envoye.value)
            )
        ).first()
    if mail is None:
        raise ValueError("la campagne n'a envoyé aucun courriel d'agent")
    handle = await demarrer_rebonds(
        banc.env.client,
        banc.settings.task_queue,
        DemandeRebonds(annee, [Rebond(mail.message_id, "Boîte aux lettres inconnue")], 0),
    )
    await handle.result()
    return [await handle.fetch_history()]


async def campagne_avec_rebond(banc: Banc) -> list[WorkflowHistory]:
    """While the campaign runs, a mail of a tranche is reported bounced: the bounces' process signals the campaign,
    which counts its mails and letters again and goes on to its end."""
    annee = (await banc.env.get_current_time()).year + 1
    await population_campagne(banc.sessions, annee)
    settings = banc.settings.model_copy(update={"campagne_taille_lot_employeurs": 2, "campagne_taille_paquet": 1})
    demande = demande_campagne(settings, annee)
    handle = await demarrer_campagne(banc.env.client, settings.task_queue, demande)
    mails: list[Mail] = []

    async def courriel_parti() -> bool:
        async with banc.sessions() as session:
            envoyes = select(Mail).where(
                Mail.evenement == "campagne_document_disponible", Mail.etat == EtatMail.envoye.value
            )
            mails[:] = (await session.exec(envoyes)).all()
        return bool(mails)

    for tranche in demande.calendrier.tranches():
        await banc.env.sleep(tranche + timedelta(hours=1) - await banc.env.get_current_time())
        try:
            await attendre(courriel_parti, 10)
            break
        except AssertionError:  # no document in this tranche: the next one
            continue
    if not mails:
        raise ValueError("la campagne n'a envoyé aucun courriel d'agent")
    rebonds = await demarrer_rebonds(
        banc.env.client,
        banc.settings.task_queue,
        DemandeRebonds(annee, [Rebond(mails[0].message_id, "Boîte aux lettres inconnue")], 0),
    )
    await rebonds.result()
    await handle.result()
    return [await handle.fetch_history(), await rebonds.fetch_history()]


async def delai_employeur(banc: Banc) -> list[WorkflowHistory]:
    """A manager extends the hospital's deadline once the campaign's tasks are out: its own reminder, its tasks
    closed at its own date, its reminder after it."""
    annee = (await banc.env.get_current_time()).year + 1
    pop = await population_campagne(banc.sessions, annee, avec_eig=False)
    settings = banc.settings.model_copy(update={"temporal_address": banc.env.client.service_client.config.target_host})
    demande = demande_campagne(settings, annee)
    campagne = await demarrer_campagne(banc.env.client, settings.task_queue, demande)
    await banc.env.sleep(demande.calendrier.lancement + timedelta(hours=1) - await banc.env.get_current_time())

    async def taches_creees() -> bool:
        async with banc.sessions() as session:
            return len((await session.exec(select(Tache))).all()) == 2

    await attendre(taches_creees, ATTENTE)
    async with transaction(banc.sessions) as session:
        superviseur = await creer_compte(session, role="superviseur", identifiant="superviseur", code_hash="x")
    hopital = identifiant(pop.employeurs["hopital"])
    jour = demande.calendrier.date_limite.astimezone(PARIS).date() + timedelta(days=10)
    async with banc.sessions() as session:
        delai = await prolonger_delai(
            session, Moteur(settings), superviseur, annee, hopital, Prolongation(date_limite=jour, motif="Fusion")
        )
    assert delai.relance is not None
    await banc.env.sleep(delai.relance + timedelta(hours=1) - await banc.env.get_current_time())
    handle = banc.env.client.get_workflow_handle(id_workflow_delai(annee, hopital))

    async def terminee() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

    await attendre(terminee, ATTENTE)
    historique = await handle.fetch_history()
    await campagne.terminate()
    return [historique]


async def lancement_campagne(banc: Banc) -> list[WorkflowHistory]:
    """What the yearly Schedule starts: the campaign of the current year (left running when the server stops)."""
    handle = await banc.env.client.start_workflow(
        LancementCampagneWorkflow.run,
        lancement_annuel(banc.settings),
        id="campagne-dai-lancement",
        task_queue=banc.settings.task_queue,
    )
    await handle.result()
    return [await handle.fetch_history()]


SCENARIOS: dict[str, tuple[Scenario, bool]] = {
    "eir_complet": (eir_complet, True),
    "eir_retrait": (eir_retrait, True),
    "eir_incident": (eir_incident, True),
    "eir_incident_annule": (eir_incident_annule, True),
    "eir_annule": (eir_annule, True),
    "eir_retraite": (eir_retraite, True),
    "eir_ris_sans_reponse": (eir_ris_sans_reponse, True),
    "eir_reponse_refusee_puis_relance_par_correction": (eir_reponse_refusee_puis_relance_par_correction, True),
    "rectification": (rectification, True),
    "validation": (validation, True),
    "campagne": (campagne, False),
    "lancement_campagne": (lancement_campagne, False),
    "renvoi_campagne": (renvoi_campagne, False),
    "rebonds_campagne": (rebonds_campagne, False),
    "campagne_avec_rebond": (campagne_avec_rebond, False),
    "delai_employeur": (delai_employeur, False),
}


async def enregistrer(noms: list[str], dossier: Path = HISTORIQUES) -> list[Path]:
    ecrits: list[Path] = []
    for nom in noms:
        scenario, avec_population = SCENARIOS[nom]
        with tempfile.TemporaryDirectory() as temporaire:
            async with banc(Path(temporaire), avec_population) as le_banc:
                historiques = await scenario(le_banc)
        ecrits += _remplacer(dossier, nom, historiques)
    return ecrits


def _remplacer(dossier: Path, nom: str, historiques: list[WorkflowHistory]) -> list[Path]:
    """The scenario's files: the former ones removed, one per history written."""
    for ancien in dossier.glob(f"{nom}.*.json"):
        ancien.unlink()
    fichiers = [dossier / f"{nom}.{historique.workflow_id}.json" for historique in historiques]
    for fichier, historique in zip(fichiers, historiques, strict=True):
        fichier.write_text(historique.to_json())
    return fichiers


def main() -> None:
    noms = sys.argv[1:] or list(SCENARIOS)
    inconnus = [nom for nom in noms if nom not in SCENARIOS]
    if inconnus:
        sys.exit(f"scénario(s) inconnu(s) : {', '.join(inconnus)} ; choisissez parmi {', '.join(SCENARIOS)}.")
    for fichier in asyncio.run(enregistrer(noms)):
        print(fichier.relative_to(Path.cwd()) if fichier.is_relative_to(Path.cwd()) else fichier)


if __name__ == "__main__":
    main()
