"""Rectificative RIS/EIG requests (DESIGN §4.3): the agent (or a supervisor for them) files one; its routing by
the period's employer is decided here, stored, and passed to its process."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from functools import partial
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.eir import ActionAffilie
from domain.erreurs import Conflit, Interdit, Refus
from domain.etats import Acteur, Role
from domain.processus import ActionSuperviseur
from domain.rectification import (
    DemandeRectification,
    EtatRectification,
    Routage,
    refus_employeur_de_la_periode,
)
from domain.rectification import (
    employeurs_de_la_periode as employeurs_par_jours,
)
from domain.regles import parametre
from domain.saisie import Saisie
from domain.texte import TexteLibre, TexteLibreMultiligne
from persistence import depots, lectures
from persistence.models import Affilie, Compte, RectificationTable
from services.acces import (
    EvenementPublic,
    affaire_de_l_agent,
    agent_vu,
    exiger_l_agent,
    exiger_role,
    numero,
    vue_publique,
)
from services.champs import MotifAnnulation, Nir, Siret
from services.fiabilite import confirmer_demarrage, point_de_panne
from services.moteur import Moteur, avec_sequence, demarrer_ou_retirer, mettre_a_jour, mettre_a_jour_et_relire
from settings import Settings
from workflows.client import delais_taches
from workflows.rectification import RectificationWorkflow


class NouvelleRectification(Saisie):
    type_document: Literal["ris", "eig"] = Field(description="Le document erroné : ris ou eig")
    annee_document: int = Field(ge=2007, le=2100, description="Année du document")
    periode_debut: date
    periode_fin: date
    motif: TexteLibreMultiligne = Field(min_length=3, max_length=2000, description="Ce qui est faux sur cette période")
    siret_employeur: Siret | None = Field(default=None, description="SIRET de l'employeur public de la période")
    regime: TexteLibre | None = Field(default=None, description="Autre régime : regime_general, msa, ircantec…")
    nir: Nir | None = Field(default=None, description="Superviseur : NIR de l'agent")

    @model_validator(mode="after")
    def _periode(self) -> NouvelleRectification:
        if self.periode_fin < self.periode_debut:
            raise ValueError("periode_fin : la fin de la période précède son début.")
        if self.siret_employeur and self.regime:
            raise ValueError(
                "regime : indiquez soit le SIRET de l'employeur public, soit l'autre régime, pas les deux."
            )
        return self


# The fields of a request stored as filed.
_CHAMPS_DE_LA_DEMANDE = {"type_document", "annee_document", "periode_debut", "periode_fin", "motif", "regime"}


class EtatRectificationPublic(BaseModel):
    id: int
    reference: str
    workflow_id: str
    type_document: str
    annee_document: int
    periode_debut: date
    periode_fin: date
    routage: str
    reclamation_eig: bool
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    document_rectifie_id: int | None
    historique: list[EvenementPublic]


def regimes() -> dict[str, str]:
    """The other regimes an agent may be sent to, by key, with their names."""
    valeurs = parametre("regimes", "regimes", date.today()).valeur
    return {cle: (v.get("nom", cle) if isinstance(v, dict) else str(v)) for cle, v in valeurs.items()}


def routage_du_regime(regime: str, champ: str = "regime") -> Routage:
    """A period of another scheme: the agent is sent to that scheme (DESIGN §4.3), which must be one the service
    knows (``regimes.yaml``), else a ``Refus`` on ``champ`` listing them. An EIR's consolidation naming another
    scheme is routed here too."""
    connus = regimes()
    if regime not in connus:
        raise Refus(f"{champ} : « {regime} » inconnu ; valeurs possibles : {', '.join(connus)}.", champ, "enum")
    return Routage.autre_regime


class Routee(NamedTuple):
    """Who answers a request: its route, the main employer of the period, and every former employer of the period
    (one task each; the main one first when it is a former one)."""

    routage: Routage
    employeur_periode_id: int | None
    anciens: list[int]


async def _routage(session: AsyncSession, affilie: Affilie, corps: NouvelleRectification) -> Routee:
    """The request's route — or a ``Refus`` saying what is missing. An employer the agent names must
    be one the CIR shows for the period, or a former CNRACL employer of the agent
    (:func:`domain.rectification.refus_employeur_de_la_periode` says which and why); a SIRET unknown to the service
    goes to the current employer (« hors système »), so nobody outside the agent's career receives a task."""
    if corps.regime:
        return Routee(routage_du_regime(corps.regime), None, [])
    employeurs_de_la_periode = await lectures.employeurs_des_periodes(
        session, numero(affilie), corps.periode_debut, corps.periode_fin
    )
    if corps.siret_employeur:
        employeur = await depots.employeur_par_siret(session, corps.siret_employeur)
        if employeur is None:
            return Routee(Routage.employeur_precedent_hors_systeme, None, [])
        employeur_periode_id: int | None = numero(employeur)
        refus = refus_employeur_de_la_periode(
            numero(employeur),
            affilie.employeur_id,
            employeurs_de_la_periode,
            set() if employeurs_de_la_periode else await lectures.employeurs_de_la_carriere(session, numero(affilie)),
            corps.periode_debut,
            corps.periode_fin,
        )
        if refus is not None:
            raise refus
        anciens = [] if employeur_periode_id == affilie.employeur_id else [numero(employeur)]
    else:
        if not employeurs_de_la_periode:
            raise Refus(
                "siret_employeur : aucune période CNRACL connue à ces dates ; indiquez le SIRET "
                "de l'employeur public de la période, ou le régime (regime) s'il s'agit d'un "
                "emploi privé ou d'un autre régime.",
                "siret_employeur",
                "periode_inconnue",
            )
        # Over several employers each gets a task: the former ones, the one whose lines cover most of the period
        # first (the latest on a tie); the current one, if it is among them, corrects.
        par_jours = employeurs_par_jours(
            await depots.lignes_cir(session, numero(affilie)), corps.periode_debut, corps.periode_fin
        )
        anciens = [employeur_id for employeur_id in par_jours if employeur_id != affilie.employeur_id]
        employeur_periode_id = affilie.employeur_id if affilie.employeur_id in par_jours else anciens[0]
    if employeur_periode_id == affilie.employeur_id:
        return Routee(Routage.employeur_actuel, employeur_periode_id, anciens)
    return Routee(Routage.employeur_precedent, employeur_periode_id, anciens)


async def _demandeur(session: AsyncSession, compte: Compte, nir: str | None) -> Affilie:
    if compte.role == Role.superviseur.value:
        if not nir:
            raise Refus("nir : indiquez le NIR de l'agent pour qui vous faites la demande.", "nir", "obligatoire")
        affilie = await depots.affilie_par_nir(session, nir)
        if affilie is None:
            raise Refus("nir : aucun affilié de ce NIR à la CNRACL.", "nir", "affiliation")
        return affilie
    if nir:
        raise Interdit(
            "nir : un agent ne demande la rectification que de ses propres documents.", "nir", "proprietaire"
        )
    affilie = await session.get(Affilie, compte.affilie_id) if compte.affilie_id else None
    if affilie is None:
        raise Interdit("Seul un agent affilié demande la rectification de ses documents.")
    return affilie


async def demander(
    session: AsyncSession, moteur: Moteur, compte: Compte, corps: NouvelleRectification
) -> EtatRectificationPublic:
    """Route the request, store it with its first event, start its process (or remove it if it cannot start)."""
    affilie = await _demandeur(session, compte, corps.nir)
    routee = await _routage(session, affilie, corps)
    routage, employeur_periode_id = routee.routage, routee.employeur_periode_id
    if routage is not Routage.autre_regime and affilie.employeur_id is None and employeur_periode_id is None:
        raise Refus(
            "siret_employeur : aucun employeur CNRACL ne peut corriger cette période ; contactez la CNRACL.",
            "siret_employeur",
            "employeur_introuvable",
        )
    client = await moteur.client()  # before the insert: the engine out of reach leaves nothing behind
    rectification = await _enregistrer(session, compte, affilie, corps, routee)
    point_de_panne(moteur.settings, "demarrage")
    await demarrer_ou_retirer(session, rectification, demarrer_processus(client, moteur.settings, rectification))
    await confirmer_demarrage(session, rectification)
    return await _public(session, rectification)


async def demarrer_processus(client: Client, reglages: Settings, rectification: RectificationTable) -> None:
    """Start the process of a stored request under its business id: started already (running or ended), nothing
    happens (the API, then the reconciler after a crash, may both ask)."""
    routage = Routage(rectification.routage)
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it ran to its end: never run twice
        await client.start_workflow(
            RectificationWorkflow.run,
            DemandeRectification(
                numero(rectification),
                routage,
                rectification.reclamation_eig,
                rectification.employeur_actuel_id,
                rectification.employeur_periode_id if routage is Routage.employeur_precedent else None,
                delais_taches(reglages),
                reglages.rectification_delai_global,
                list(rectification.employeurs_periode or []),
            ),
            id=rectification.workflow_id,
            task_queue=reglages.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


# A request numbered like one being stored at the same moment (another period) takes the next number.
_ESSAIS_DE_NUMERO = 5


async def _enregistrer(
    session: AsyncSession,
    compte: Compte,
    affilie: Affilie,
    corps: NouvelleRectification,
    routee: Routee,
) -> RectificationTable:
    """Store the request and its first event, committed. Its business key (the agent and the disputed period, while
    the request is open) is a unique index: of parallel duplicates (a double click) one is stored and the others
    get ``Conflit``, atomically on both databases. Its number ``n`` (workflow ``rectification-{clé}-{n}``) is
    taken again if another request of the agent took it meanwhile."""
    # Read before any rollback, which expires the rows of the session.
    affilie_id, cle, employeur_actuel_id = numero(affilie), affilie.cle, affilie.employeur_id
    role, compte_id = compte.role, compte.id
    routage = routee.routage
    rang = await lectures.nombre_de_rectifications(session, affilie_id) + 1
    for _ in range(_ESSAIS_DE_NUMERO):
        maintenant = datetime.now(UTC)
        rectification = RectificationTable(
            workflow_id=f"rectification-{cle}-{rang}",
            affilie_id=affilie_id,
            **corps.model_dump(include=_CHAMPS_DE_LA_DEMANDE),
            employeur_periode_siret=corps.siret_employeur,
            employeur_periode_id=routee.employeur_periode_id,
            employeur_actuel_id=employeur_actuel_id,
            employeurs_periode=routee.anciens or None,
            routage=routage.value,
            reclamation_eig=corps.type_document == "eig",
            etat=EtatRectification.enregistree.value,
            en_attente_de=Acteur.cnracl.value,
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        try:
            session.add(rectification)
            await session.flush()
            await depots.ajouter_evenement(
                session,
                rectification.workflow_id,
                "rectification_demandee",
                role,
                maintenant,
                compte_id,
                {"routage": routage.value, "document": corps.type_document},
            )
            await session.commit()
            return rectification
        except IntegrityError:
            await session.rollback()
        existante = await lectures.rectification_ouverte(session, affilie_id, corps.periode_debut, corps.periode_fin)
        if existante is not None:
            raise Conflit(
                "Une demande de rectification est déjà en cours pour cette période "
                f"(du {corps.periode_debut:%d/%m/%Y} au {corps.periode_fin:%d/%m/%Y}) : RECT-{existante.id}. "
                "Suivez-la dans vos demandes de rectification ; une nouvelle demande pour cette période sera "
                "possible une fois celle-ci close."
            )
        rang += 1
    raise Conflit("Votre demande n'a pas pu être enregistrée : d'autres demandes arrivaient en même temps. Réessayez.")


async def _public(session: AsyncSession, r: RectificationTable) -> EtatRectificationPublic:
    return await vue_publique(session, EtatRectificationPublic, r, "RECT")


async def lister(session: AsyncSession, compte: Compte) -> list[EtatRectificationPublic]:
    """The agent's own requests, the newest first (a supervisor: the latest of all)."""
    return [await _public(session, r) for r in await lectures.rectifications(session, agent_vu(compte))]


async def consulter(session: AsyncSession, compte: Compte, rectification_id: int) -> EtatRectificationPublic:
    return await _public(session, await _visible(session, compte, rectification_id))


# --- the agent's withdrawal, a supervisor's cancellation ---


async def retirer(
    session: AsyncSession, moteur: Moteur, compte: Compte, rectification_id: int
) -> EtatRectificationPublic:
    """``DELETE /rectifications/{id}``: the agent withdraws the request, at any step until it ends."""
    rectification = await _visible(session, compte, rectification_id)
    exiger_l_agent(compte, rectification, "Seul l'agent qui a fait la demande peut la retirer.")
    _exiger_en_cours(rectification, "retirer")
    action, relire = ActionAffilie(compte_id=compte.id or 0), partial(consulter, session, compte, rectification_id)
    return await mettre_a_jour_et_relire(session, moteur, rectification, RectificationWorkflow.retirer, action, relire)


async def annuler(
    session: AsyncSession, moteur: Moteur, compte: Compte, rectification_id: int, corps: MotifAnnulation
) -> EtatRectificationPublic:
    """``POST /rectifications/{id}/annulation``: a supervisor cancels the request at any step, with a reason: its
    tasks cancelled, the agent (and the employer whose task was open) mailed, who and why in the history."""
    rectification = await _visible(session, compte, rectification_id)
    await annuler_processus(session, moteur, compte, rectification, corps.motif)
    return await consulter(session, compte, rectification_id)


async def annuler_processus(
    session: AsyncSession, moteur: Moteur, compte: Compte, rectification: RectificationTable, motif: str
) -> None:
    """A supervisor ends the request at whatever step it is (the workflow's ``annuler``); the session is closed
    meanwhile."""
    exiger_role(compte, Role.superviseur)
    _exiger_en_cours(rectification, "annuler")
    action = avec_sequence(ActionSuperviseur(compte_id=compte.id or 0, motif=motif), rectification)
    workflow_id = rectification.workflow_id
    await session.close()
    await mettre_a_jour(moteur, workflow_id, RectificationWorkflow.annuler, action)
    session.expunge_all()


async def _visible(session: AsyncSession, compte: Compte, rectification_id: int) -> RectificationTable:
    return await affaire_de_l_agent(
        session,
        compte,
        RectificationTable,
        rectification_id,
        f"Aucune demande de rectification n° {rectification_id} dans votre espace.",
    )


def _exiger_en_cours(rectification: RectificationTable, action: str) -> None:
    if rectification.terminee_le is not None:
        raise Conflit(
            f"La demande RECT-{rectification.id} est déjà terminée : il n'y a plus rien à {action}. Sa page indique "
            "comment elle s'est terminée."
        )
