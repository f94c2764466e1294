"""EIR use cases (DESIGN §4.1): the agent (or a supervisor, by phone) starts a request; the agent answers its
steps; the owner and supervisors read its state, its RIS and its bilan."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.eir import (
    SOURCE_AFFILIE,
    ActionAffilie,
    DemandeConsolidation,
    DureeDeclaree,
    PeriodeASignaler,
    ReponsesEnquete,
    autres_regimes,
    duree_assurance_autres_regimes,
    employeur_de_l_eir,
    regimes_de_base,
)
from domain.eligibilite import DemandeAnterieure, debut_fenetre_eir, refus_eir, refus_sans_employeur
from domain.erreurs import Conflit, Interdit, Introuvable, Refus
from domain.etats import ETATS_EIR_TERMINES, EtatEir, Role, TypeDocument
from domain.processus import ActionSuperviseur, Intervention
from domain.saisie import Saisie
from domain.task_queues import id_workflow_eir
from domain.texte import TexteLibreMultiligne
from persistence import depots, lectures, renvoi_campagne
from persistence.models import Affilie, Compte, DemandeEirTable, Document, Employeur
from services import rectifications
from services.acces import (
    PARIS,
    EvenementPublic,
    affaire_de_l_agent,
    agent_vu,
    aujourd_hui,
    exiger_l_agent,
    historique,
    numero,
)
from services.champs import MotifAnnulation, Nir
from services.fiabilite import confirmer_demarrage, point_de_panne
from services.moteur import Moteur, avec_sequence, demarrer_ou_retirer, mettre_a_jour, mettre_a_jour_et_relire
from settings import Settings
from workflows.client import delais_eir, demarrer_eir
from workflows.eir import EirWorkflow

# --- what comes in ---


class NouvelleDemande(Saisie):
    nir: Nir | None = Field(default=None, description="NIR de l'agent (demande par téléphone, superviseur seulement)")


class PeriodeAConsolider(PeriodeASignaler):
    regime: str | None = Field(
        default=None,
        max_length=40,
        description="Autre régime de la période (regime_general, msa…) : l'agent est orienté vers lui, comme pour "
        "une rectification ; vide : période CNRACL, corrigée par l'employeur",
    )


class Consolidation(Saisie):
    periodes: list[PeriodeAConsolider] = Field(min_length=1, description="Périodes à compléter ou corriger")


class AutresRegimes(Saisie):
    autres_regimes: list[DureeDeclaree] = Field(
        max_length=20, description="Trimestres de l'agent dans chaque autre régime de base (vide : aucun)"
    )


class Enquete(Saisie):
    reponses: list[int] = Field(min_length=5, max_length=5, description="Cinq notes de 1 à 5")
    commentaire: TexteLibreMultiligne = Field(default="", max_length=2000)

    @field_validator("reponses")
    @classmethod
    def _notes(cls, notes: list[int]) -> list[int]:
        if any(not 1 <= n <= 5 for n in notes):
            raise ValueError("chaque note va de 1 (pas du tout satisfait) à 5 (très satisfait)")
        return notes


# --- what goes out ---


class DemandeCreee(BaseModel):
    id: int
    reference: str
    workflow_id: str
    etat: str


class EtatDemande(BaseModel):
    id: int
    reference: str
    workflow_id: str
    date_demande: date
    canal: str
    etape: str
    phase: int | None
    etat: str
    en_attente_de: str | None
    echeance: datetime | None
    tache_id: int | None
    indice_fin_de_carriere: int | None
    incident: dict[str, Any] | None = Field(
        default=None,
        description="Quand la demande est arrêtée (état « incident ») : type (metier ou technique), motif, depuis, "
        "tentatives, étape",
    )
    historique: list[EvenementPublic]


# --- starting ---


async def _demandeur(session: AsyncSession, compte: Compte, corps: NouvelleDemande) -> tuple[Affilie | None, str]:
    """The agent the request is for, and its channel."""
    if compte.role == Role.superviseur.value:
        if corps.nir is None:
            raise Refus("nir : indiquez le NIR de l'agent pour une demande par téléphone.", "nir", "obligatoire")
        return await depots.affilie_par_nir(session, corps.nir), "telephone"
    affilie = await session.get(Affilie, compte.affilie_id) if compte.affilie_id else None
    return affilie, "en_ligne"


async def demander(session: AsyncSession, moteur: Moteur, compte: Compte, corps: NouvelleDemande) -> DemandeCreee:
    """Check the eligibility, store the request, start its process (or remove the request if it cannot start)."""
    affilie, canal = await _demandeur(session, compte, corps)
    date_demande = aujourd_hui()
    anterieures: Sequence[DemandeEirTable] = []
    if affilie is not None and affilie.id is not None:
        anterieures = await depots.demandes_eir_recentes(session, affilie.id, debut_fenetre_eir(date_demande))
    champ = "nir" if canal == "telephone" else "demande"
    refus = refus_eir(
        affilie.date_de_naissance if affilie else None,
        date_demande,
        # A request a supervisor cancelled was not held: it does not delay the next one.
        [
            DemandeAnterieure(numero(d), d.date_demande, d.terminee_le is None)
            for d in anterieures
            if d.etat != EtatEir.annulee.value
        ],
        champ,
    )
    if refus is not None:
        raise refus
    if affilie is None or affilie.id is None:  # refus_eir refuses an agent that is not affiliated
        raise Introuvable("Aucun agent de ce NIR à la CNRACL.")
    employeur_id = employeur_de_l_eir(affilie.employeur_id, await depots.lignes_cir(session, affilie.id))
    if employeur_id is None:
        raise refus_sans_employeur(champ)
    client = await moteur.client()  # before the insert: the engine out of reach leaves nothing behind
    try:
        demande = await depots.creer_demande_eir(
            session, affilie, date_demande, canal, datetime.now(UTC), id_workflow_eir
        )
        # The employer its tasks and mails go to: the current one, or the last one of the CIR.
        demande.employeur_id = employeur_id
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflit("Une demande d'entretien vient d'être enregistrée pour cet agent.") from exc
    point_de_panne(moteur.settings, "demarrage")
    await demarrer_ou_retirer(session, demande, demarrer_processus(client, moteur.settings, demande))
    await confirmer_demarrage(session, demande)
    return DemandeCreee(
        id=numero(demande), reference=f"EIR-{demande.id}", workflow_id=demande.workflow_id, etat=demande.etat
    )


async def demarrer_processus(client: Client, reglages: Settings, demande: DemandeEirTable) -> None:
    """Start the EIR of a stored request under its business id: started already, nothing happens (the API, then
    the reconciler after a crash, may both ask)."""
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it ran to its end: never run twice
        await demarrer_eir(
            client,
            reglages.task_queue,
            numero(demande),
            demande.workflow_id,
            demande.date_demande,
            delais_eir(reglages),
        )


# --- reading ---


async def demande_visible(session: AsyncSession, compte: Compte, demande_id: int) -> DemandeEirTable:
    """The request if this account may see it: its owner, or a supervisor."""
    return await affaire_de_l_agent(
        session, compte, DemandeEirTable, demande_id, f"Aucune demande d'EIR n° {demande_id} dans votre espace."
    )


def _incident_vu_par_l_agent(incident: dict[str, Any] | None) -> dict[str, Any] | None:
    """The incident as the agent reads it: a technical one in plain words (the last error is for supervisors)."""
    if incident is None:
        return None
    vu = {cle: incident.get(cle) for cle in ("type", "motif", "depuis", "tentatives", "etape")}
    if incident.get("type") != "metier":
        vu["motif"] = (
            f"Un incident technique retarde l'étape « {incident.get('etape')} » : elle est réessayée "
            "automatiquement et les équipes de la CNRACL sont prévenues. Vous n'avez rien à faire."
        )
    return vu


async def _etat(session: AsyncSession, demande: DemandeEirTable) -> EtatDemande:
    return EtatDemande.model_validate(
        {
            **demande.model_dump(),
            "incident": _incident_vu_par_l_agent(demande.incident),
            "reference": f"EIR-{demande.id}",
            "historique": await historique(session, demande.workflow_id),
        }
    )


async def mes_demandes(session: AsyncSession, compte: Compte) -> list[EtatDemande]:
    """The agent's own requests, the newest first (a supervisor: the latest of all)."""
    return [await _etat(session, d) for d in await lectures.demandes_eir(session, agent_vu(compte))]


async def consulter(session: AsyncSession, compte: Compte, demande_id: int) -> EtatDemande:
    """The business state, read from the projection written with each change (no worker needed)."""
    return await _etat(session, await demande_visible(session, compte, demande_id))


async def documents(session: AsyncSession, compte: Compte, demande_id: int) -> Sequence[Document]:
    return await depots.documents_de_la_demande(session, numero(await demande_visible(session, compte, demande_id)))


async def document(session: AsyncSession, compte: Compte, demande_id: int, document_id: int) -> Document:
    """One document of a request the account may see."""
    demande = await demande_visible(session, compte, demande_id)
    doc = await session.get(Document, document_id)
    if doc is None or doc.demande_id != demande.id:
        raise Introuvable(f"Aucun document n° {document_id} dans la demande EIR-{demande.id}.")
    return doc


_ABSENTS = {
    TypeDocument.ris: "Le relevé de situation n'est pas encore disponible : votre employeur vérifie votre carrière.",
    TypeDocument.bilan: "Le bilan n'est pas encore disponible : il est produit après la validation de votre relevé.",
}


async def dernier_document(
    session: AsyncSession, compte: Compte, demande_id: int, type: TypeDocument
) -> dict[str, Any]:
    """The latest RIS or bilan of the request, its content with its number and date."""
    demande = await demande_visible(session, compte, demande_id)
    docs = await depots.documents_de_la_demande(session, numero(demande), type.value)
    if not docs:
        raise Introuvable(_ABSENTS[type])
    return {"document_id": docs[-1].id, "cree_le": docs[-1].cree_le, **docs[-1].contenu}


class Previsions(BaseModel):
    """When the next steps of a request are expected, from its state and the process's delays (the settings the
    process started with): the employer's notification, the RIS at the latest (the employer's task due date),
    the survey after the bilan, the survey's answer at the latest. ``None``: not known yet, or past."""

    notification_employeur: date | None = None
    ris_au_plus_tard: date | None = None
    enquete: date | None = None
    reponse_enquete: date | None = None
    delai_enquete: timedelta
    delai_tache: timedelta


def _jour(moment: datetime | None) -> date | None:
    return moment.astimezone(PARIS).date() if moment is not None else None


def previsions(demande: EtatDemande, settings: Settings) -> Previsions:
    """The expected dates of what comes next for the request, each computed from its state's due date when the
    process gave one, else from the delays."""
    delais = delais_eir(settings)
    echeance = _jour(demande.echeance)
    vues = Previsions(delai_enquete=delais.enquete, delai_tache=delais.relance_employeur)
    etat = demande.etat
    if etat in ("enregistree", "attente_notification_employeur"):
        notification = echeance or demande.date_demande + delais.notification_employeur
        vues.notification_employeur = notification
        vues.ris_au_plus_tard = notification + delais.relance_employeur
    elif etat in ("verification_employeur", "consolidation_employeur"):
        vues.ris_au_plus_tard = echeance
    elif etat == "bilan_disponible":
        vues.enquete = echeance
    elif etat == "enquete_envoyee":
        vues.reponse_enquete = echeance
    return vues


async def _raison_sociale(session: AsyncSession, employeur_id: int | None) -> str | None:
    employeur = await session.get(Employeur, employeur_id) if employeur_id else None
    return employeur.raison_sociale if employeur else None


class Identite(BaseModel):
    """Who a document is about, as its page shows it: the NIR masked but for what the agent recognises."""

    prenom: str
    nom: str
    nir_masque: str
    employeur: str | None


def masquer_nir(nir: str) -> str:
    """``1 85 03 •• ••• ••• 42``: sex, year and month of birth and the key; the place of birth and the order
    number hidden (a page may be printed or read over a shoulder)."""
    return f"{nir[0]} {nir[1:3]} {nir[3:5]} •• ••• ••• {nir[13:15]}"


async def identite(session: AsyncSession, affilie_id: int) -> Identite | None:
    affilie = await session.get(Affilie, affilie_id)
    if affilie is None:
        return None
    return Identite(
        prenom=affilie.prenom,
        nom=affilie.nom,
        nir_masque=masquer_nir(affilie.nir),
        employeur=await _raison_sociale(session, affilie.employeur_id),
    )


async def employeur_de_la_demande(session: AsyncSession, compte: Compte, demande_id: int) -> str | None:
    """The employer the request goes to (the one its mails name), the one to contact for the career check."""
    return await _raison_sociale(session, (await demande_visible(session, compte, demande_id)).employeur_id)


class _Piece(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def type(self) -> str: ...
    @property
    def demande_id(self) -> int | None: ...
    @property
    def cree_le(self) -> datetime | None: ...


P = TypeVar("P", bound=_Piece)


def remplacements(pieces: Sequence[P]) -> dict[int, P]:
    """Each document of a request replaced by a later one of the same kind (a RIS after a consolidation), and each
    campaign document re-sent: its id and the document that replaces it."""
    suivants: dict[int, P] = {}
    par_sorte: dict[tuple[int, str], list[P]] = {}
    for piece in pieces:
        if (ancien := getattr(piece, "remplace_id", None)) is not None:
            suivants[ancien] = piece  # a campaign document re-sent names the version it replaces
        elif piece.demande_id is not None and piece.id is not None:
            par_sorte.setdefault((piece.demande_id, piece.type), []).append(piece)
    for serie in par_sorte.values():
        serie.sort(key=lambda p: p.id or 0)  # ids follow the order of production
        for ancien, nouveau in pairwise(serie):
            suivants[ancien.id or 0] = nouveau
    return suivants


class AutourDuDocument(BaseModel):
    """What a document's page shows beside its content: whom it is about, the later version replacing it, and the
    request whose answer it calls for (a RIS awaiting the agent's validation or correction)."""

    identite: Identite | None
    remplace_par: dict[str, Any] | None = None
    demande_a_repondre: int | None = None


async def autour_du_document(session: AsyncSession, compte: Compte, doc: Document) -> AutourDuDocument:
    """The document must be one the account may read (checked by the caller)."""
    autour = AutourDuDocument(identite=await identite(session, doc.affilie_id))
    if doc.demande_id is None:
        if (remplacant := await renvoi_campagne.remplacant(session, numero(doc))) is not None:
            autour.remplace_par = {"id": remplacant.id, "cree_le": remplacant.cree_le}
        return autour
    demande = await session.get(DemandeEirTable, doc.demande_id)
    freres = await depots.documents_de_la_demande(session, doc.demande_id, doc.type)
    suivant = remplacements(freres).get(numero(doc))
    if suivant is not None:
        autour.remplace_par = {"id": suivant.id, "cree_le": suivant.cree_le}
    elif (
        demande is not None
        and doc.type == TypeDocument.ris.value
        and demande.etat == "ris_disponible"
        and compte.role == Role.affilie.value
    ):
        autour.demande_a_repondre = demande.id
    return autour


# --- the agent's answers ---


async def _repondre(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, update: Any, argument: Intervention
) -> EtatDemande:
    demande = await demande_visible(session, compte, demande_id)
    exiger_l_agent(compte, demande, "Seul l'agent qui a fait la demande peut y répondre.")
    relire = partial(consulter, session, compte, demande_id)
    return await mettre_a_jour_et_relire(session, moteur, demande, update, argument, relire)


def _compte_id(compte: Compte) -> int:
    return compte.id or 0


async def _agir(session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, update: Any) -> EtatDemande:
    """An answer that carries nothing but who gives it."""
    action = ActionAffilie(compte_id=_compte_id(compte))
    return await _repondre(session, moteur, compte, demande_id, update, action)


async def valider_ris(session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int) -> EtatDemande:
    return await _agir(session, moteur, compte, demande_id, EirWorkflow.valider_ris)


async def demander_consolidation(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, corps: Consolidation
) -> EtatDemande:
    """Phase 2: the agent's periods to complete or correct. A CNRACL period goes to the employer (a consolidation
    task, then a new RIS); a period naming another scheme is routed as a rectification's is (the agent is mailed
    which scheme to contact): one rectification request per scheme, over its periods' years."""
    demande = await demande_visible(session, compte, demande_id)
    exiger_l_agent(compte, demande, "Seul l'agent qui a fait la demande peut y répondre.")
    par_regime: dict[str, list[PeriodeAConsolider]] = {}
    for rang, periode in enumerate(corps.periodes):
        if periode.regime:
            rectifications.routage_du_regime(periode.regime, f"periodes.{rang}.regime")
            par_regime.setdefault(periode.regime, []).append(periode)
    cnracl = [
        PeriodeASignaler(annee=periode.annee, commentaire=periode.commentaire)
        for periode in corps.periodes
        if not periode.regime
    ]
    if par_regime and demande.etat != EtatEir.ris_disponible.value:
        raise Refus(
            "Impossible de demander une consolidation maintenant : le relevé de situation n'attend pas votre "
            "réponse. La page de votre demande indique l'étape en cours et qui doit agir."
        )
    # Built before the first is stored: a rollback while storing one expires the rows read so far.
    orientations = [_rectification_autre_regime(demande, regime, periodes) for regime, periodes in par_regime.items()]
    for orientation in orientations:
        await rectifications.demander(session, moteur, compte, orientation)
    if not cnracl:
        return await consulter(session, compte, demande_id)
    consolidation = DemandeConsolidation(compte_id=_compte_id(compte), periodes=cnracl)
    return await _repondre(session, moteur, compte, demande_id, EirWorkflow.demander_consolidation, consolidation)


def _rectification_autre_regime(
    demande: DemandeEirTable, regime: str, periodes: Sequence[PeriodeAConsolider]
) -> rectifications.NouvelleRectification:
    annees = sorted({periode.annee for periode in periodes})
    motif = "\n".join(f"{periode.annee} : {periode.commentaire}" for periode in periodes)
    return rectifications.NouvelleRectification(
        type_document="ris",
        annee_document=aujourd_hui().year,
        periode_debut=date(annees[0], 1, 1),
        periode_fin=date(annees[-1], 12, 31),
        motif=f"Consolidation du relevé de la demande EIR-{demande.id}\n{motif}"[:2000],
        regime=regime,
    )


# --- the agent's other schemes ---


class AutresRegimesPublic(BaseModel):
    autres_regimes: list[dict[str, Any]] = Field(
        description="Par régime : regime, nom, trimestres, source (affilie : saisi par l'agent ; inter_regimes : "
        "reçu des données inter-régimes)"
    )
    duree_assurance_autres_regimes: int = Field(description="Trimestres retenus pour le calcul de la pension")


async def autres_regimes_de_l_agent(session: AsyncSession, affilie_id: int) -> AutresRegimesPublic:
    lignes = autres_regimes(await depots.durees_autres_regimes(session, affilie_id), aujourd_hui())
    return AutresRegimesPublic(
        autres_regimes=lignes, duree_assurance_autres_regimes=duree_assurance_autres_regimes(lignes)
    )


async def autres_regimes_de_la_demande(session: AsyncSession, compte: Compte, demande_id: int) -> AutresRegimesPublic:
    """The other schemes of the request's agent, as the agent last entered them or the inter-scheme data gave them."""
    return await autres_regimes_de_l_agent(session, (await demande_visible(session, compte, demande_id)).affilie_id)


def regimes_a_declarer() -> dict[str, str]:
    """The base schemes an agent enters trimestres for, by key, with their names."""
    noms = rectifications.regimes()
    return {regime: noms.get(regime, regime) for regime in regimes_de_base(aujourd_hui())}


async def declarer_autres_regimes(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, corps: AutresRegimes
) -> AutresRegimesPublic:
    """Phase 2 covers every mandatory scheme: while the RIS awaits the agent's answer, the agent enters the
    trimestres each other base scheme's statement shows. They replace the agent's previous entry, are shown on
    the next RIS and the bilan, and are passed to the calculation (``duree_assurance_autres_regimes``)."""
    demande = await demande_visible(session, compte, demande_id)
    exiger_l_agent(compte, demande, "Seul l'agent qui a fait la demande peut déclarer ses autres régimes.")
    if demande.etat != EtatEir.ris_disponible.value:
        raise Refus(
            "autres_regimes : vos trimestres dans les autres régimes se déclarent quand votre relevé de situation "
            "attend votre réponse (phase 2), avant de le valider.",
            "autres_regimes",
            "phase_2",
        )
    base, connus = regimes_de_base(aujourd_hui()), rectifications.regimes()
    trimestres: dict[str, int] = {}
    for rang, duree in enumerate(corps.autres_regimes):
        champ = f"autres_regimes.{rang}.regime"
        if duree.regime in connus and duree.regime not in base:
            raise Refus(
                f"{champ} : {connus[duree.regime]} est un régime complémentaire, qui compte en points : ses "
                "trimestres sont ceux de votre régime de base (le régime général pour un agent non titulaire). "
                "Déclarez-les sous ce régime.",
                champ,
                "regime_de_base",
            )
        if duree.regime not in base:
            raise Refus(f"{champ} : « {duree.regime} » inconnu ; valeurs possibles : {', '.join(base)}.", champ, "enum")
        if duree.regime in trimestres:
            raise Refus(
                f"{champ} : {connus[duree.regime]} est déclaré deux fois ; indiquez le total de ses trimestres une "
                "seule fois.",
                champ,
                "unique",
            )
        trimestres[duree.regime] = duree.trimestres
    await depots.remplacer_durees_autres_regimes(
        session, demande.affilie_id, SOURCE_AFFILIE, trimestres, datetime.now(UTC)
    )
    await session.commit()
    return await autres_regimes_de_l_agent(session, demande.affilie_id)


async def repondre_enquete(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, corps: Enquete
) -> EtatDemande:
    reponses = ReponsesEnquete(compte_id=_compte_id(compte), reponses=corps.reponses, commentaire=corps.commentaire)
    return await _repondre(session, moteur, compte, demande_id, EirWorkflow.repondre_enquete, reponses)


async def retirer(session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int) -> EtatDemande:
    """Withdraw the request (at any step before the closure)."""
    return await _agir(session, moteur, compte, demande_id, EirWorkflow.retirer)


# --- a supervisor's cancellation ---


async def annuler_processus(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande: DemandeEirTable, motif: str
) -> None:
    """A supervisor ends the request at whatever step it is: its tasks cancelled, the agent mailed, who and why in
    the history (the workflow's ``annuler``). The session is closed meanwhile."""
    if compte.role != Role.superviseur.value:
        raise Interdit("Seul un superviseur de la CNRACL peut annuler une demande d'entretien.")
    if demande.etat in {e.value for e in ETATS_EIR_TERMINES}:
        raise Conflit(
            f"La demande EIR-{demande.id} est déjà terminée (close, retirée ou annulée) : il n'y a plus rien à annuler."
        )
    action = ActionSuperviseur(compte_id=_compte_id(compte), motif=motif)
    workflow_id, argument = demande.workflow_id, avec_sequence(action, demande)
    # The update waits for the process's next state: the connection serves other requests meanwhile.
    await session.close()
    await mettre_a_jour(moteur, workflow_id, EirWorkflow.annuler, argument)
    session.expunge_all()


async def annuler(
    session: AsyncSession, moteur: Moteur, compte: Compte, demande_id: int, corps: MotifAnnulation
) -> EtatDemande:
    """``POST /eir/{id}/annulation``: a supervisor cancels the request, with a reason, at any step."""
    demande = await demande_visible(session, compte, demande_id)
    await annuler_processus(session, moteur, compte, demande, corps.motif)
    return await consulter(session, compte, demande_id)
