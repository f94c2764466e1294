"""The employers' deadlines of the DAI campaign (issue 24, §8): a manager extends one employer's deadline; a campaign
task is done only when the agent's CIR covers the reference year."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.campagne import cohortes
from domain.campagne_echeances import delai_employeur, id_workflow_delai, instant_limite
from domain.cir import Periode, periodes_non_couvertes
from domain.erreurs import Introuvable, Refus
from domain.saisie import Saisie
from domain.texte import TexteLibreMultiligne
from notifications.rendu import date_fr
from persistence import depots, depots_echeances
from persistence.models import Affilie, Compte, Employeur, Tache
from persistence.models_campagne import CampagneTable
from services.acces import numero
from services.campagnes import campagne_de_l_annee
from services.moteur import Moteur, joignable
from workflows.campagne_delai import DelaiEmployeurWorkflow


class Prolongation(Saisie):
    date_limite: date = Field(
        ge=date(2007, 1, 1),
        le=date(2101, 12, 31),
        description="Nouvelle date limite de l'employeur (à l'heure de Paris de la date limite de la campagne)",
    )
    motif: TexteLibreMultiligne = Field(
        min_length=1, max_length=500, description="Pourquoi (consigné dans l'historique de la campagne)"
    )


class DelaiPublic(BaseModel):
    annee: int
    employeur_id: int
    raison_sociale: str
    date_limite: datetime
    rappel: datetime | None
    relance: datetime | None
    taches: int = Field(description="Tâches de campagne de l'employeur dont l'échéance est reportée")


def _instant(valeur: str) -> datetime:
    instant = datetime.fromisoformat(valeur)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


async def prolonger_delai(
    session: AsyncSession, moteur: Moteur, compte: Compte, annee: int, employeur_id: int, corps: Prolongation
) -> DelaiPublic:
    """The employer's own deadline: its campaign tasks due then (those closed at the cut-off open again), not late
    nor closed at the campaign's cut-off, its own reminder before its date and after it; the decision in the
    campaign's history. Refused for a date already past, not after the campaign's cut-off, or on or after the
    transmission to the collector."""
    campagne = await campagne_de_l_annee(session, annee)
    ligne = await depots_echeances.employeur_de_la_campagne(session, numero(campagne), employeur_id)
    employeur = await session.get(Employeur, employeur_id)
    if ligne is None or employeur is None:
        raise Introuvable(
            f"L'employeur n° {employeur_id} n'est pas un employeur de la campagne {annee} : aucun de ses agents n'y "
            "est retenu."
        )
    limite_campagne = _instant(campagne.calendrier["date_limite"])
    transmission = _instant(campagne.calendrier["transmission"])
    instant = instant_limite(corps.date_limite, limite_campagne)
    maintenant = datetime.now(UTC)
    if instant <= maintenant:
        raise Refus(
            f"date_limite : le {date_fr(instant)} est déjà passé ; choisissez une date à venir.",
            "date_limite",
            "date_passee",
        )
    if instant <= limite_campagne:
        raise Refus(
            f"date_limite : la date limite de la campagne est le {date_fr(limite_campagne)} ; une prolongation va "
            "au-delà de cette date.",
            "date_limite",
            "pas_une_prolongation",
        )
    if instant >= transmission:
        raise Refus(
            f"date_limite : les données des agents sont transmises au GIP Info Retraite le {date_fr(transmission)} ; "
            "choisissez une date antérieure.",
            "date_limite",
            "apres_transmission",
        )
    settings = moteur.settings
    delai = delai_employeur(
        numero(campagne),
        annee,
        employeur_id,
        instant,
        min(settings.campagne_rappels, default=None),
        settings.campagne_relance_apres_limite,
        transmission,
    )
    delai.en_pause = campagne.en_pause  # suspended campaign: its steps wait for the resumption
    taches = await depots_echeances.prolonger(session, campagne, ligne, instant, maintenant, compte.id, corps.motif)
    await session.commit()
    # Written first: the cut-off reads the employer's own date from the table; the workflow brings its timers.
    # A running one (an earlier extension) takes the new date; one ended (past its date) starts again.
    async with joignable():
        client = await moteur.client()
        workflow_id = id_workflow_delai(annee, employeur_id)
        try:
            await client.start_workflow(
                DelaiEmployeurWorkflow.run,
                delai,
                id=workflow_id,
                task_queue=settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            handle = client.get_workflow_handle_for(DelaiEmployeurWorkflow.run, workflow_id)
            await handle.signal(DelaiEmployeurWorkflow.prolonger, delai)
    return DelaiPublic(
        annee=annee,
        employeur_id=employeur_id,
        raison_sociale=employeur.raison_sociale,
        date_limite=instant,
        rappel=delai.rappel,
        relance=delai.relance,
        taches=taches,
    )


async def date_limite_de_l_employeur(
    session: AsyncSession, campagne: CampagneTable, employeur_id: int
) -> datetime | None:
    """The employer's own deadline in the campaign when extended, else the campaign's."""
    ligne = await depots_echeances.employeur_de_la_campagne(session, numero(campagne), employeur_id)
    if ligne is not None and ligne.date_limite is not None:
        return ligne.date_limite
    valeur = (campagne.calendrier or {}).get("date_limite")
    return _instant(valeur) if valeur else None


def _en_clair(periode: Periode) -> str:
    if periode.date_debut == periode.date_fin:
        return f"le {date_fr(periode.date_debut)}"
    return f"du {date_fr(periode.date_debut)} au {date_fr(periode.date_fin)}"


async def verifier_couverture(session: AsyncSession, tache: Tache, annee_campagne: int, champ: str) -> None:
    """A campaign task is done when the agent's CIR covers the reference year (from the affiliation, or to the
    leaving, in that year; up to today, as the CIR holds no future period) and each line of the task's employer in
    that year carries its index (the campaign's « up to date » test): otherwise ``Refus`` saying which period is
    missing or lacks its index, on ``champ`` (the answer's « I checked the data »)."""
    if tache.affilie_id is None:
        return
    affilie = await session.get(Affilie, tache.affilie_id)
    if affilie is None:
        raise Introuvable("L'agent de cette tâche n'existe plus.")
    annee = cohortes(annee_campagne).annee_cir_complete
    debut = max(date(annee, 1, 1), affilie.date_affiliation)
    fins = [d for d in (affilie.date_radiation, affilie.date_de_deces, affilie.date_liquidation) if d is not None]
    fin = min([date(annee, 12, 31), date.today(), *fins])
    lignes = [ligne for ligne in await depots.lignes_cir(session, tache.affilie_id) if ligne.annee == annee]
    manques = periodes_non_couvertes(depots.periodes(lignes), debut, fin) if debut <= fin else []
    sans_indice = [
        Periode(ligne.date_debut, ligne.date_fin)
        for ligne in lignes
        if ligne.employeur_id == tache.employeur_id and ligne.indice_majore is None
    ]
    if not manques and not sans_indice:
        return
    constats = []
    if manques:
        constats.append("il manque la période " + " et la période ".join(_en_clair(p) for p in manques))
    if sans_indice:
        constats.append(
            "l'indice majoré manque sur la période " + " et la période ".join(_en_clair(p) for p in sans_indice)
        )
    raise Refus(
        f"{champ} : le compte individuel retraite de l'agent ({affilie.prenom} {affilie.nom}) est incomplet pour "
        f"{annee} : {' ; '.join(constats)}. Complétez-le pour l'année {annee}, puis terminez la tâche.",
        champ,
        "cir_incomplet",
    )
