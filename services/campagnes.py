"""The annual DAI campaign (DESIGN §4.2): supervisors start it (or its dry run), follow, pause and resume it;
employers see their agents it targets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from domain.campagne import (
    TYPE_TACHE_CAMPAGNE,
    ActionSuperviseur,
    Calendrier,
    Cohorte,
    Livraison,
    cle_mail_document,
    cle_mail_renvoi,
    id_workflow_campagne,
)
from domain.campagne_echeances import id_workflow_delai
from domain.erreurs import Conflit, Indisponible, Introuvable, Refus
from domain.saisie import Saisie
from domain.texte import TexteLibreMultiligne
from notifications.rendu import accord, date_fr, date_heure_fr
from persistence import depots, depots_campagne, depots_echeances, rebonds_campagne, renvoi_campagne
from persistence.models import Compte
from persistence.models_campagne import CampagneTable
from services.acces import numero
from services.moteur import Moteur, joignable, mettre_a_jour
from settings import Settings
from workflows.campagne import CampagneDaiWorkflow
from workflows.campagne_client import demande_campagne, demarrer_campagne, lancement_annuel, planifier_campagnes
from workflows.campagne_delai import DelaiEmployeurWorkflow


class CampagnePublique(BaseModel):
    annee: int
    annee_envoi: int
    workflow_id: str
    simulation: bool
    etape: str
    en_pause: bool
    prochaine_echeance: datetime | None
    calendrier: dict[str, Any]
    compteurs: dict[str, Any]
    progression: dict[str, Any]
    retardataires: list[dict[str, Any]]
    previsionnel: dict[str, Any] | None = None


class Pilotage(Saisie):
    motif: TexteLibreMultiligne = Field(default="", max_length=500, description="Pourquoi (consigné dans l'historique)")


class EtatPilotage(BaseModel):
    annee: int
    en_pause: bool
    etape: str


async def campagne_de_l_annee(session: AsyncSession, annee: int, simulation: bool = False) -> CampagneTable:
    campagne = await depots_campagne.campagne_par_annee(session, annee, simulation)
    if campagne is None:
        quoi = "Aucune simulation de la campagne" if simulation else "Aucune campagne"
        raise Introuvable(f"{quoi} {annee} : lancez-la d'abord depuis la page des campagnes.")
    return campagne


async def _publique(session: AsyncSession, campagne: CampagneTable) -> CampagnePublique:
    return CampagnePublique.model_validate(
        {
            **campagne.model_dump(),
            "progression": await depots_campagne.progression(session, campagne),
            "retardataires": await depots_campagne.retardataires(
                session, numero(campagne), campagne.workflow_id, limite=20
            ),
        }
    )


async def _ouverte(
    session: AsyncSession, annee: int, simulation: bool, handle: WorkflowHandle[Any, Any]
) -> CampagneTable:
    """The campaign's row, written by its first activity a moment after the start. A run already closed that never
    wrote it here (it belongs to another base on the same engine) will not: say so rather than « it starts »."""
    for _ in range(100):
        campagne = await depots_campagne.campagne_par_annee(session, annee, simulation)
        if campagne is not None:
            return campagne
        await asyncio.sleep(0.1)
    async with joignable():
        statut = (await handle.describe()).status
    if statut is not None and statut != WorkflowExecutionStatus.RUNNING:
        raise Conflit(
            f"La campagne {annee} a déjà été menée à son terme par le moteur de processus, mais elle n'est pas "
            "enregistrée dans cette base : elle ne peut pas être relancée."
        )
    raise Indisponible(f"La campagne {annee} démarre : consultez-la dans quelques instants.")


class ConfirmationRequise(Conflit):
    """A launch by hand whose calendar has begun: it would do at once every step already due."""


def etapes_passees(settings: Settings, annee: int, maintenant: datetime | None = None) -> list[Repere]:
    """The steps of campaign N's calendar already due: launched now, it would do them all at once."""
    calendrier = demande_campagne(settings, annee).calendrier
    return [r for r in reperes(calendrier, maintenant or datetime.now(UTC)) if r.passe]


async def _exiger_confirmation(session: AsyncSession, settings: Settings, annee: int) -> None:
    passes = etapes_passees(settings, annee)
    if not passes or await depots_campagne.campagne_par_annee(session, annee, False) is not None:
        return  # a campaign still to come waits for its dates; one already launched is only returned
    etapes = ", ".join(f"« {r.libelle} » (le {date_fr(r.le)})" for r in passes)
    raise ConfirmationRequise(
        f"La campagne {annee} a des étapes déjà passées : la lancer maintenant les fait toutes aussitôt, d'un seul "
        f"coup : {etapes}. Lancez d'abord sa simulation pour voir qui recevrait quoi (rien n'est envoyé), puis "
        "confirmez le lancement."
    )


async def lancer(
    session: AsyncSession, moteur: Moteur, annee: int, simulation: bool, confirmation: bool = False
) -> CampagnePublique:
    """Start campaign N (again: the running one). A dry run is awaited: its report says who would receive what,
    mails and tasks per week; nothing is sent. A campaign whose launch date is past is started only when confirmed:
    it would do at once every step already due."""
    if not simulation and not confirmation:
        await _exiger_confirmation(session, moteur.settings, annee)
    async with joignable():
        handle = await demarrer_campagne(
            await moteur.client(), moteur.settings.task_queue, demande_campagne(moteur.settings, annee, simulation)
        )
        if simulation:
            try:
                await handle.result()
            except WorkflowFailureError as exc:
                raise Indisponible("La simulation n'a pas abouti : réessayez dans quelques minutes.") from exc
    session.expunge_all()
    return await _publique(session, await _ouverte(session, annee, simulation, handle))


async def consulter(session: AsyncSession, annee: int, simulation: bool = False) -> CampagnePublique:
    """Progress by cohort and state, by employer (late ones first), exports, documents."""
    return await _publique(session, await campagne_de_l_annee(session, annee, simulation))


async def employeurs(
    session: AsyncSession, annee: int, en_retard: bool | None, simulation: bool, limite: int, decalage: int
) -> list[dict[str, Any]]:
    campagne = await campagne_de_l_annee(session, annee, simulation)
    return await depots_campagne.employeurs_de_la_campagne(session, campagne, en_retard, limite, decalage)


async def agents(
    session: AsyncSession,
    annee: int,
    simulation: bool,
    employeur_id: int | None,
    cohorte: Cohorte | None,
    limite: int,
    decalage: int,
    livraison: Livraison | None = None,
) -> list[dict[str, Any]]:
    """Who receives (or, for a dry run, would receive) which document, and how it reached them (``livraison``:
    only those delivered that way); a document re-sent says when, how, and the version it replaces (``renvoi``)."""
    campagne = await campagne_de_l_annee(session, annee, simulation)
    lignes = await depots_campagne.cibles_de_la_campagne(
        session,
        numero(campagne),
        employeur_id,
        cohorte.value if cohorte else None,
        limite,
        decalage,
        livraison.value if livraison else None,
    )
    renvois = await renvoi_campagne.renvois_de_la_campagne(session, numero(campagne))
    rebonds = await _rebonds(session, campagne.workflow_id, lignes, renvois)
    return [
        ligne | {"renvoi": renvois.get(ligne["document_id"]), "rebond": rebonds.get(rang)}
        for rang, ligne in enumerate(lignes)
    ]


async def _rebonds(
    session: AsyncSession, workflow_id: str, lignes: list[dict[str, Any]], renvois: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """For each listed agent (by rank) whose mail came back after it was sent — the document's or its re-send's —
    when it was reported, and why."""
    rangs: dict[str, int] = {}
    for rang, ligne in enumerate(lignes):
        rangs[cle_mail_document(workflow_id, ligne["cohorte"], ligne["affilie_id"])] = rang
        if (renvoi := renvois.get(ligne["document_id"])) is not None:
            rangs[cle_mail_renvoi(workflow_id, renvoi["remplace"]["id"])] = rang
    return {
        rangs[cle]: rebond for cle, rebond in (await rebonds_campagne.rebonds_des_mails(session, list(rangs))).items()
    }


async def _piloter(
    session: AsyncSession, moteur: Moteur, compte: Compte, annee: int, update: Any, corps: Pilotage | None
) -> EtatPilotage:
    campagne = await campagne_de_l_annee(session, annee, False)
    vue = await mettre_a_jour(
        moteur, id_workflow_campagne(annee), update, ActionSuperviseur(compte.id or 0, corps.motif if corps else "")
    )
    # The employers' own deadlines follow the campaign: their reminders and closings wait while it is suspended.
    employeurs = await depots_echeances.employeurs_au_delai_prolonge(session, numero(campagne))
    if employeurs:
        async with joignable():
            client = await moteur.client()
            for employeur_id in employeurs:
                poignee = client.get_workflow_handle_for(
                    DelaiEmployeurWorkflow.run, id_workflow_delai(annee, employeur_id)
                )
                with contextlib.suppress(RPCError):  # its calendar is over
                    await poignee.signal(DelaiEmployeurWorkflow.piloter, vue.en_pause)
    return EtatPilotage(annee=annee, en_pause=vue.en_pause, etape=vue.etape)


async def suspendre(
    session: AsyncSession, moteur: Moteur, compte: Compte, annee: int, corps: Pilotage | None = None
) -> EtatPilotage:
    return await _piloter(session, moteur, compte, annee, CampagneDaiWorkflow.suspendre, corps)


async def reprendre(
    session: AsyncSession, moteur: Moteur, compte: Compte, annee: int, corps: Pilotage | None = None
) -> EtatPilotage:
    return await _piloter(session, moteur, compte, annee, CampagneDaiWorkflow.reprendre, corps)


async def toutes(session: AsyncSession) -> Sequence[CampagneTable]:
    """Every campaign and dry run, the latest year first."""
    return await depots.campagnes(session)


async def de_l_employeur(
    session: AsyncSession, employeur_id: int, annee: str
) -> tuple[Sequence[CampagneTable], CampagneTable | None, list[dict[str, Any]]]:
    """The campaigns that target the employer's agents, the one chosen (``annee``, else the latest), and its
    agents with their CIR task and its state, the tasks still open first."""
    liste = await depots.campagnes_de_l_employeur(session, employeur_id)
    choisie = next((c for c in liste if str(c.annee) == annee), liste[0] if liste else None)
    if choisie is None:
        return liste, None, []
    agents_ = await depots.agents_de_l_employeur_en_campagne(
        session, numero(choisie), choisie.workflow_id, TYPE_TACHE_CAMPAGNE, employeur_id
    )
    return liste, choisie, agents_


# The dates of a campaign's calendar a supervisor reads, in their order.
REPERES = {
    "lancement": "Lancement : sélection des agents, tâches et courriels aux employeurs",
    "date_limite": "Date limite de mise à jour par les employeurs",
    "relance_retardataires": "Relance des employeurs en retard (tâches closes à la date limite)",
    "transmission": "Transmission au GIP Info Retraite",
    "debut_envoi": "Début de l'envoi des documents",
    "fin_envoi": "Fin de l'envoi des documents",
}


class Repere(BaseModel):
    cle: str
    libelle: str
    le: datetime
    passe: bool


class CampagneDuCalendrier(BaseModel):
    """One campaign as today's date sees it: its dates, past or to come, and whether it was launched."""

    annee: int
    annee_envoi: int
    reperes: list[Repere]
    lancee: bool
    limite_passee: bool


def reperes(calendrier: dict[str, Any] | Calendrier, maintenant: datetime) -> list[Repere]:
    """The calendar's dates (a stored campaign's, or one computed from the settings), each past or to come."""
    dates = asdict(calendrier) if isinstance(calendrier, Calendrier) else calendrier
    liste = []
    for cle, libelle in REPERES.items():
        valeur = dates.get(cle)
        if isinstance(valeur, str):
            valeur = datetime.fromisoformat(valeur)
        if not isinstance(valeur, datetime):
            continue
        if valeur.tzinfo is None:  # stored as naive UTC
            valeur = valeur.replace(tzinfo=UTC)
        liste.append(Repere(cle=cle, libelle=libelle, le=valeur, passe=valeur <= maintenant))
    return liste


def annee_en_cours(settings: Settings, maintenant: datetime) -> int:
    """The year of the latest campaign whose launch date (July) is past: the one under way today."""
    annee = maintenant.year
    if demande_campagne(settings, annee).calendrier.lancement > maintenant:
        annee -= 1
    return annee


async def calendrier_du_jour(
    session: AsyncSession, settings: Settings, maintenant: datetime | None = None
) -> list[CampagneDuCalendrier]:
    """The campaign under way (launched last July, or due then) and the next one, with their dates computed from
    the settings, for the launch form: what launching one now would do."""
    maintenant = maintenant or datetime.now(UTC)
    annee = annee_en_cours(settings, maintenant)
    resultat = []
    for n in (annee, annee + 1):
        calendrier = demande_campagne(settings, n).calendrier
        ligne = await depots_campagne.campagne_par_annee(session, n, False)
        resultat.append(
            CampagneDuCalendrier(
                annee=n,
                annee_envoi=n + 1,
                reperes=reperes(ligne.calendrier if ligne and ligne.calendrier else calendrier, maintenant),
                lancee=ligne is not None,
                limite_passee=calendrier.date_limite <= maintenant,
            )
        )
    return resultat


# The documents of the campaign, by cohort, as supervisors read them.
COHORTES = {
    Cohorte.ris.value: "Relevé individuel de situation (RIS)",
    Cohorte.eig.value: "Estimation indicative globale (EIG)",
    Cohorte.information_generale.value: "Information générale (nouveaux affiliés)",
}


class TranchePrevue(BaseModel):
    le: datetime
    documents: int


class ResumeSimulation(BaseModel):
    """What launching campaign N now would do, from its dry run: the documents by cohort, the employers and their
    tasks, the steps already due (done at once), and the sending tranche by tranche."""

    annee: int
    annee_envoi: int
    documents: dict[str, int]
    employeurs: int
    employeurs_a_informer: int
    taches: int
    etapes_passees: list[Repere]
    tranches: list[TranchePrevue]

    def texte(self) -> str:
        """The summary in French, as the ``cnracl`` command prints it."""
        lignes = [
            f"Simulation de la campagne {self.annee} (documents envoyés en {self.annee_envoi}) : rien n'a été "
            "envoyé, aucune tâche n'a été créée.",
            f"Agents qui recevraient un document : {sum(self.documents.values())}",
            *(f"  - {COHORTES.get(cohorte, cohorte)} : {n}" for cohorte, n in self.documents.items()),
            f"Employeurs : {accord(self.employeurs, 'employeur')} dans la campagne ; "
            + (
                f"{self.employeurs_a_informer} d'entre eux auraient des comptes à mettre à jour "
                f"({accord(self.taches, 'tâche')} à leur confier)."
                if self.employeurs_a_informer
                else "aucun n'aurait de compte à mettre à jour."
            ),
        ]
        if self.etapes_passees:
            lignes.append("Étapes déjà passées, qu'un lancement maintenant ferait aussitôt, d'un seul coup :")
            lignes += [f"  - « {r.libelle} » (le {date_fr(r.le)})" for r in self.etapes_passees]
        lignes.append("Envoi des documents, tranche par tranche (heure de Paris) :")
        lignes += [f"  - le {date_heure_fr(t.le)} : {accord(t.documents, 'document')}" for t in self.tranches]
        return "\n".join(lignes)


async def simuler(session: AsyncSession, moteur: Moteur, annee: int) -> ResumeSimulation:
    """The dry run of campaign N (the same as ``POST /campagnes/{annee}?simulation=true``: it selects and counts,
    sends nothing and starts no campaign), summed up: what launching it now would do."""
    simulation = await lancer(session, moteur, annee, simulation=True)
    previsionnel = simulation.previsionnel or {}
    documents: dict[str, int] = {}
    for ligne in previsionnel.get("par_age", []):
        documents[ligne["cohorte"]] = documents.get(ligne["cohorte"], 0) + ligne["agents"]
    par_tranche = {int(rang): int(n) for rang, n in previsionnel.get("par_tranche", {}).items()}
    calendrier = demande_campagne(moteur.settings, annee).calendrier
    return ResumeSimulation(
        annee=annee,
        annee_envoi=simulation.annee_envoi,
        documents={c: documents[c] for c in [*COHORTES, *documents] if c in documents},
        employeurs=int(simulation.compteurs.get("employeurs", 0)),
        employeurs_a_informer=int(previsionnel.get("employeurs_concernes", 0)),
        taches=int(previsionnel.get("taches", 0)),
        etapes_passees=etapes_passees(moteur.settings, annee),
        tranches=[
            TranchePrevue(le=instant, documents=par_tranche.get(rang, 0))
            for rang, instant in enumerate(calendrier.tranches())
        ],
    )


async def planifier(moteur: Moteur) -> bool:
    """The yearly Schedule of the campaign (each 1 July, 08:00 Europe/Paris): ``True`` created, ``False`` updated."""
    async with joignable():
        client = await moteur.client()
        return await planifier_campagnes(client, moteur.settings.task_queue, lancement_annuel(moteur.settings))


def verifier_export(manifeste: Path, cle: bytes) -> dict[str, Any]:
    """A collector's batch read back and checked against its manifest (docs/collecteur.md): the manifest when
    everything verifies; a ``Refus`` saying what does not otherwise."""
    from activities.campagne_collecteur import FichierCollecteurInvalide, lire_lot

    try:
        lu, _ = lire_lot(manifeste, cle)
    except FileNotFoundError as erreur:
        raise Refus(
            f"{erreur.filename} est introuvable : donnez le chemin d'un fichier .manifest.json, à côté de son fichier "
            "chiffré."
        ) from None
    except FichierCollecteurInvalide as erreur:
        raise Refus(f"{manifeste.name} ne se vérifie pas : {erreur}") from None
    return lu
