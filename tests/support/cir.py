"""CIR test helpers: an open task on an agent (its corrections go through the CIR's checks), and the check of
the invariants over every agent's stored lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from domain.cir import INDICE_MAJORE_BORNES, QUOTITE_BORNES, Periode, age_minimum_de_travail, chevauchements
from domain.etats import TypeTache
from persistence.db import SessionFactory, transaction
from persistence.fabrique import identifiant
from persistence.models import Affilie, Employeur, LigneCirTable
from tests.support.fabriques import inserer_tache


async def ouvrir_tache(
    sessions: SessionFactory, affilie: Affilie, employeur_id: int | None, type_: TypeTache, workflow_id: str
) -> int:
    """An open task of ``type_`` on the agent, in the employer's inbox (its process need not run: a refused
    completion never reaches it, a campaign task is answered without it)."""
    maintenant = datetime.now(UTC)
    async with transaction(sessions) as session:
        tache = await inserer_tache(
            session,
            f"test-{workflow_id}-{type_.value}-{maintenant.timestamp()}",
            type_.value,
            workflow_id,
            employeur_id,
            affilie.id,
            echeance=maintenant + timedelta(days=10),
            creee_le=maintenant,
        )
    return identifiant(tache)


async def declaree_par(sessions: SessionFactory, affilie: Affilie, annee: int, employeur: Employeur) -> None:
    """The agent's CIR line of ``annee`` declared by ``employeur`` (another one than the agent's current)."""
    async with transaction(sessions) as session:
        requete = select(LigneCirTable).where(LigneCirTable.affilie_id == affilie.id, LigneCirTable.annee == annee)
        ligne = (await session.exec(requete)).one()
        ligne.employeur_id = employeur.id
        session.add(ligne)


async def infractions_du_cir(sessions: SessionFactory, aujourd_hui: date | None = None) -> list[str]:
    """Every broken invariant of the stored CIR lines, over all agents (empty: the CIR is sound)."""
    aujourd_hui = aujourd_hui or date.today()
    infractions = []
    async with sessions() as session:
        affilies = {a.id: a for a in (await session.exec(select(Affilie))).all()}
        lignes = (await session.exec(select(LigneCirTable))).all()
    par_agent: dict[int, list[Periode]] = {}
    for ligne in lignes:
        affilie = affilies[ligne.affilie_id]
        ans, _ = age_minimum_de_travail(affilie.date_de_naissance)
        debut_possible = date(affilie.date_de_naissance.year + ans, 1, 1)
        if ligne.date_debut.year != ligne.date_fin.year or ligne.date_fin < ligne.date_debut:
            infractions.append(f"{affilie.nom} : ligne hors d'une année civile {ligne.date_debut}–{ligne.date_fin}")
        if ligne.date_debut < debut_possible or ligne.date_fin > aujourd_hui:
            infractions.append(f"{affilie.nom} : ligne hors des bornes {ligne.date_debut}–{ligne.date_fin}")
        if not QUOTITE_BORNES[0] <= ligne.quotite <= QUOTITE_BORNES[1]:
            infractions.append(f"{affilie.nom} : quotité {ligne.quotite}")
        if ligne.indice_majore is not None and not (
            INDICE_MAJORE_BORNES[0] <= ligne.indice_majore <= INDICE_MAJORE_BORNES[1]
        ):
            infractions.append(f"{affilie.nom} : indice {ligne.indice_majore}")
        if ligne.annee != ligne.date_debut.year:
            infractions.append(f"{affilie.nom} : année {ligne.annee} d'une ligne de {ligne.date_debut}")
        par_agent.setdefault(ligne.affilie_id, []).append(Periode(ligne.date_debut, ligne.date_fin))
    for affilie_id, periodes in par_agent.items():
        for a, b in chevauchements(periodes):
            infractions.append(f"{affilies[affilie_id].nom} : {a} chevauche {b}")
    return infractions
