"""Test data: an employer, an eligible agent with a career, and their accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from persistence.comptes import hacher, normaliser_texte
from persistence.db import SessionFactory, transaction
from persistence.fabrique import creer_affilie, creer_employeur, identifiant
from persistence.models import Affilie, Compte, Employeur, LigneCirTable

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


@cache
def _empreinte_reponse() -> str:
    return hacher(normaliser_texte(REPONSE_SECRETE))  # hashed once: argon2 is slow on purpose


def avec_question_secrete(compte: Compte) -> Compte:
    """A test account past its first login: its secret question chosen (the pages ask for it before any other)."""
    compte.question_secrete = QUESTION_SECRETE
    compte.reponse_secrete_hash = _empreinte_reponse()
    return compte
