"""Test data: an employer, an eligible agent with a career, and their accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.comptes import hacher, normaliser_texte
from persistence.db import SessionFactory, transaction
from persistence.fabrique import creer_affilie, creer_employeur, identifiant
from persistence.models import Affilie, Compte, DemandeEirTable, Employeur, LigneCirTable, Tache

# The mail addresses of the population's agent, of its employer, and of the supervisors.
AGENT = "camille.martin@exemple.fr"
EMPLOYEUR = "rh@saint-exemple.fr"
SUPERVISEURS = "superviseurs@cnracl.example.fr"
# The secret question of the test accounts, and its answer.
QUESTION_SECRETE = "nom_naissance_mere"
REPONSE_SECRETE = "Durand"
# The validation-of-services rule the population's agent falls under.
REGLE = "titularisé au plus tard le 01/01/2013 : demande dans les 24 mois de la titularisation"


@dataclass
class Population:
    employeur: Employeur
    autre_employeur: Employeur
    affilie: Affilie  # 58 years old, eligible
    jeune: Affilie  # 40 years old
    collegue: Affilie  # another eligible agent of the same employer


async def population(sessions: SessionFactory) -> Population:
    async with transaction(sessions) as session:
        employeur = await creer_employeur(session, 21330063, "Commune de Saint-Exemple", "rh@saint-exemple.fr")
        autre = await creer_employeur(
            session, 26330108, "Centre hospitalier de Lautreville", "drh@ch-lautreville.fr", type="hopital"
        )
        affilie = await creer_affilie(
            session,
            nom="Martin",
            prenom="Camille",
            naissance=date(1968, 4, 2),
            email="camille.martin@exemple.fr",
            employeur=employeur,
            debut_carriere=date(1994, 9, 1),
            indice_majore=560,
            enfants=(date(1999, 5, 1),),
        )
        jeune = await creer_affilie(
            session,
            nom="Petit",
            prenom="Léa",
            naissance=date(1986, 1, 15),
            email="lea.petit@exemple.fr",
            employeur=employeur,
            debut_carriere=date(2010, 1, 1),
            ordre=2,
        )
        collegue = await creer_affilie(
            session,
            nom="Bernard",
            prenom="Jean",
            naissance=date(1966, 11, 20),
            email="jean.bernard@exemple.fr",
            employeur=autre,
            debut_carriere=date(1990, 3, 1),
            sexe=1,
            ordre=3,
            indice_majore=610,
        )
    return Population(employeur, autre, affilie, jeune, collegue)


async def ligne_chez(sessions: SessionFactory, affilie: Affilie, employeur: Employeur, debut: date, fin: date) -> None:
    """A CIR line of ``affilie`` declared by ``employeur`` (one calendar year): a former employer in the career."""
    async with transaction(sessions) as session:
        session.add(
            LigneCirTable(
                affilie_id=identifiant(affilie),
                employeur_id=employeur.id,
                annee=debut.year,
                date_debut=debut,
                date_fin=fin,
                nature="non_titulaire_valide",
                indice_majore=350,
                modifiee_le=datetime.now(UTC),
            )
        )


async def modifier_affilie(sessions: SessionFactory, affilie_id: int | None, **champs: Any) -> None:
    """What the agent's file says changes (a departure, a death, an address): ``champs`` are its new values."""
    async with transaction(sessions) as session:
        affilie = await session.get(Affilie, affilie_id)
        assert affilie is not None
        for champ, valeur in champs.items():
            setattr(affilie, champ, valeur)
        session.add(affilie)


async def inserer_tache(
    session: AsyncSession,
    cle: str,
    type: str,
    workflow_id: str,
    employeur_id: int | None,
    affilie_id: int | None,
    *,
    echeance: datetime,
    creee_le: datetime,
    **autres: Any,
) -> Tache:
    """A task in an employer's inbox as the worker writes it, with no process behind it."""
    tache, _ = await depots.creer_tache(
        session,
        Tache(
            cle=cle,
            type=type,
            workflow_id=workflow_id,
            employeur_id=employeur_id,
            affilie_id=affilie_id,
            echeance=echeance,
            creee_le=creee_le,
            **autres,
        ),
    )
    return tache


async def tache_de_verification(
    session: AsyncSession, demande: DemandeEirTable, cle: str, *, echeance: datetime, creee_le: datetime
) -> Tache:
    """The career-verification task of an EIR request, for the agent's employer."""
    return await inserer_tache(
        session,
        cle,
        "verification_carriere_eir",
        demande.workflow_id,
        demande.employeur_id,
        demande.affilie_id,
        echeance=echeance,
        creee_le=creee_le,
        demande_id=demande.id,
    )


async def demande_et_tache(sessions: SessionFactory, affilie: Affilie) -> tuple[DemandeEirTable, Tache]:
    """An EIR request of ``affilie`` made today and its career-verification task due in 10 days, as the worker
    writes them."""
    maintenant = datetime.now(UTC)
    async with transaction(sessions) as session:
        demande = await depots.creer_demande_eir(
            session, affilie, date.today(), "en_ligne", maintenant, id_workflow_eir
        )
        tache = await tache_de_verification(
            session, demande, f"test-{demande.id}", echeance=maintenant + timedelta(days=10), creee_le=maintenant
        )
    return demande, tache


@cache
def _empreinte_reponse() -> str:
    return hacher(normaliser_texte(REPONSE_SECRETE))  # hashed once: argon2 is slow on purpose


def avec_question_secrete(compte: Compte) -> Compte:
    """A test account past its first login: its secret question chosen (the pages ask for it before any other)."""
    compte.question_secrete = QUESTION_SECRETE
    compte.reponse_secrete_hash = _empreinte_reponse()
    return compte


_Ligne = TypeVar("_Ligne")


async def relire(sessions: SessionFactory, modele: type[_Ligne], numero: int) -> _Ligne:
    """The row as stored now, read in a session of its own (what the service wrote, not a test's copy)."""
    async with sessions() as session:
        ligne = await session.get(modele, numero)
    assert ligne is not None, f"{modele.__name__} n° {numero} introuvable"
    return ligne
