"""The demo data set: a few employers, agents with careers, and one account per role.

Every demo account has a secret question (seed 002), so that the lost-code path can be tried with
``make run``: its answer is in ``var/demo.json``, as are the employers' BCR and contract numbers."""

from __future__ import annotations

import asyncio
import json
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cir import ValeursDuPoint, cotisations_estimees, natures_sans_cotisation
from persistence.comptes import QUESTIONS_SECRETES, creer_compte, definir_question_secrete, hacher
from persistence.db import SessionFactory, transaction
from persistence.fabrique import creer_affilie, creer_employeur, identifiant
from persistence.models import Affilie, LigneCirTable, ReferencesEmployeur

QUESTION_DEMO, REPONSE_DEMO = "nom_naissance_mere", "Durand"

# The demo's agents (Camille, Jean, Léa), each with the key of its employer.
_AGENTS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "commune",
        {
            "nom": "Martin",
            "prenom": "Camille",
            "naissance": date(1968, 4, 2),
            "email": "camille.martin@exemple.fr",
            "adresse_postale": "12 rue des Lilas\n33000 Bordeaux",
            "debut_carriere": date(1994, 9, 1),
            "indice_majore": 560,
            "enfants": (date(1999, 5, 1), date(2002, 7, 14)),
        },
    ),
    (
        "hopital",
        {
            "nom": "Bernard",
            "prenom": "Jean",
            "naissance": date(1966, 11, 20),
            "email": "jean.bernard@exemple.fr",
            "adresse_postale": "4 avenue Thiers\n33100 Bordeaux",
            "debut_carriere": date(1990, 3, 1),
            "sexe": 1,
            "ordre": 3,
            "indice_majore": 610,
            "categorie": "active",
        },
    ),
    (
        "commune",
        {
            "nom": "Petit",
            "prenom": "Léa",
            "naissance": date(1986, 1, 15),
            "email": "lea.petit@exemple.fr",
            "adresse_postale": "27 cours de l'Intendance\n33000 Bordeaux",
            "canal": "papier",
            "debut_carriere": date(2010, 1, 1),
            "ordre": 2,
        },
    ),
)


# The other employers of the fund, each with an administrator and a user: (key, SIREN, name, mail, type, BCR,
# contract, administrator, user).
_AUTRES_EMPLOYEURS: tuple[tuple[str, int, str, str, str, str, str, tuple[str, str], tuple[str, str]], ...] = (
    (
        "departement",
        22330001,
        "Département du Val-d'Exemple",
        "drh@val-exemple.fr",
        "collectivite",
        "33DEP310",
        "C2011000732",
        ("Roux", "Nathalie"),
        ("Fabre", "Olivier"),
    ),
    (
        "agglo",
        20004567,
        "Communauté d'agglomération de Bellerive",
        "rh@agglo-bellerive.fr",
        "collectivite",
        "33AGG415",
        "C2015000219",
        ("Garnier", "Hélène"),
        ("Chevalier", "Paul"),
    ),
)
# The user (profil « utilisateur ») of the two first employers, beside their administrator.
_UTILISATEURS = {"commune": ("Lefèvre", "Sandrine"), "hopital": ("Mercier", "Thomas")}
_IDENTIFIANTS_EMPLOYEURS = {
    "commune": ("rh.saint-exemple", "agent.saint-exemple"),
    "hopital": ("drh.lautreville", "gestion.lautreville"),
    "departement": ("drh.val-exemple", "gestion.val-exemple"),
    "agglo": ("rh.bellerive", "gestion.bellerive"),
}
_EMPLOYEURS_ROTATION = ("commune", "hopital", "departement", "agglo")

# A few dozen more agents: (first name, name, sex); their careers are derived from their rank below.
NOMS: tuple[tuple[str, str, int], ...] = (
    ("Nadia", "Girard", 2),
    ("Pierre", "Bonnet", 1),
    ("Sylvie", "Dupuis", 2),
    ("Michel", "Lambert", 1),
    ("Isabelle", "Fontaine", 2),
    ("Alain", "Rousseau", 1),
    ("Martine", "Vincent", 2),
    ("Philippe", "Muller", 1),
    ("Catherine", "Lefebvre", 2),
    ("Éric", "Faure", 1),
    ("Véronique", "André", 2),
    ("Patrick", "Gauthier", 1),
    ("Christine", "Perrin", 2),
    ("Laurent", "Morin", 1),
    ("Sophie", "Blanc", 2),
    ("Thierry", "Guérin", 1),
    ("Valérie", "Boyer", 2),
    ("Franck", "Henry", 1),
    ("Céline", "Roussel", 2),
    ("Stéphane", "Nicolas", 1),
    ("Karine", "Perret", 2),
    ("David", "Mathieu", 1),
    ("Aurélie", "Masson", 2),
    ("Julien", "Marchand", 1),
    ("Émilie", "Duval", 2),
    ("Nicolas", "Denis", 1),
    ("Claire", "Dumont", 2),
    ("Sébastien", "Marie", 1),
)


# The ages of the agents without a process, in the current campaign's sending year: half in its cohorts
# (domain/regles/campagne.yaml), half one year older — in the previous campaign's cohorts, whose documents went out.
_AGES = (35, 40, 45, 50, 55, 60, 36, 41, 46, 51, 56, 61)


@dataclass(frozen=True)
class Scenario:
    """What the demo shows with one agent: a process it starts (``processus``: an EIR's target state, a
    rectification's routing, « validation ») and what to look at, for ``var/demo.json``."""

    processus: str
    a_voir: str


# The processes the demo starts (services.demo), one per agent with an account, by the agent's rank in NOMS.
SCENARIOS: dict[int, Scenario] = {
    0: Scenario("eir:attente_notification_employeur", "EIR enregistré : l'employeur sera prévenu sous 5 jours."),
    1: Scenario("eir:verification_employeur", "EIR en attente de la vérification de carrière par l'employeur."),
    2: Scenario("eir:en_retard", "EIR dont la tâche de l'employeur est en retard (relancée)."),
    3: Scenario("eir:escalade", "EIR dont la tâche de l'employeur est en retard et signalée aux superviseurs."),
    4: Scenario("eir:ris_disponible", "EIR au relevé individuel de situation disponible : à valider ou consolider."),
    5: Scenario("eir:consolidation_employeur", "EIR en consolidation : l'employeur complète la carrière."),
    6: Scenario("eir:bilan_disponible", "EIR au bilan disponible (l'enquête viendra 14 jours plus tard)."),
    7: Scenario("eir:enquete_envoyee", "EIR dont l'enquête de satisfaction attend la réponse de l'agent."),
    8: Scenario("eir:close", "EIR clos, enquête de satisfaction répondue."),
    9: Scenario("eir:retiree", "EIR retiré par l'agent."),
    10: Scenario("rectification:employeur_actuel", "Rectification d'une période chez l'employeur actuel."),
    11: Scenario("rectification:employeur_precedent", "Rectification d'une période chez un employeur précédent."),
    12: Scenario(
        "rectification:employeur_precedent_hors_systeme",
        "Rectification d'une période chez un employeur inconnu du service (confiée à l'employeur actuel).",
    ),
    13: Scenario("rectification:autre_regime", "Rectification d'une période relevant d'un autre régime."),
    # The law's last dates (2015, 2017: domain/regles/validation.yaml) are past: their dossiers are « forclos ».
    14: Scenario("validation", "Dossier de validation de services (titularisation en 2012), forclos depuis 2015."),
    15: Scenario("validation", "Dossier de validation de services (temps non complet), forclos depuis 2017."),
}


def identifiant_agent(prenom: str, nom: str) -> str:
    """« Éric Faure » → ``eric.faure``."""
    texte = unicodedata.normalize("NFKD", f"{prenom}.{nom}".lower())
    return "".join(c for c in texte if not unicodedata.combining(c)).replace(" ", "-")


def _carriere(rang: int, employeur: str) -> dict[str, Any]:
    """A realistic career from the agent's rank: born 1960–1987, hired at 21–25, some in the active category
    (hospital), some part time, some with children; 14 and 15 have a validation-of-services deadline."""
    prenom, nom, sexe = NOMS[rang]
    if rang < len(SCENARIOS):
        annee_naissance = 1960 + rang
    else:  # the ages of the current campaign's cohorts (RIS 35–50, EIG 55–65) in its sending year, and others
        aujourd_hui = date.today()
        annee_envoi = aujourd_hui.year + 1 if aujourd_hui.month >= 7 else aujourd_hui.year
        annee_naissance = annee_envoi - _AGES[(rang - len(SCENARIOS)) % len(_AGES)]
    naissance = date(annee_naissance, 1 + (rang * 5) % 12, 1 + (rang * 7) % 28)
    debut = date(naissance.year + 21 + rang % 5, 1 + (rang * 3) % 12, 1)
    donnees: dict[str, Any] = {
        "nom": nom,
        "prenom": prenom,
        "naissance": naissance,
        "email": f"{identifiant_agent(prenom, nom)}@exemple.fr",
        "debut_carriere": debut,
        "sexe": sexe,
        "ordre": 10 + rang,
        "indice_majore": 420 + (rang * 37) % 300,
        "quotite": 80 if rang % 4 == 3 else 50 if rang % 7 == 5 else 100,
        "categorie": "active" if employeur == "hopital" and rang % 2 == 1 else "sedentaire",
        "adresse_postale": f"{3 + rang} rue Sainte-Catherine\n33000 Bordeaux",
        "canal": "papier" if rang % 8 == 7 else "email",
    }
    if rang % 3 != 2:
        enfants = (date(naissance.year + age, 1 + (rang + i) % 12, 10) for i, age in enumerate((27, 30, 34)))
        donnees["enfants"] = tuple(e for e in enfants if e < date.today())[: 1 + rang % 3]
    return donnees


async def base_vide(sessions: SessionFactory) -> bool:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(Affilie))).one() == 0


async def declarer_cotisations(session: AsyncSession, affilies: list[int], valeurs_du_point: ValeursDuPoint) -> None:
    """Fill the contribution block of the agents' CIR lines as their employer would declare it (indice × point
    × quotité, then the dated rates of ``domain/regles/cotisations.yaml``); lines of years whose point or
    rates are not known keep an empty block."""
    lignes = (await session.exec(select(LigneCirTable).where(col(LigneCirTable.affilie_id).in_(affilies)))).all()
    for ligne in lignes:
        if ligne.indice_majore is None or ligne.nature in natures_sans_cotisation(ligne.date_debut):
            continue
        bloc = cotisations_estimees(
            ligne.indice_majore, ligne.quotite, ligne.date_debut, ligne.date_fin, valeurs_du_point
        )
        if bloc is None:
            continue
        ligne.traitement_brut_centimes = int(bloc["traitement_brut"] * 100)
        ligne.nbi_centimes = int(bloc["nbi"] * 100)
        ligne.retenue_salariale_centimes = int(bloc["retenue_salariale"] * 100)
        ligne.contribution_employeur_centimes = int(bloc["contribution_employeur"] * 100)
        session.add(ligne)
    await session.flush()


async def charger_demo(
    sessions: SessionFactory, fichier: Path, valeurs_du_point: ValeursDuPoint
) -> list[dict[str, str]]:
    """Load the demo data and write the accounts created (with their codes and what each shows) to ``fichier``;
    ``valeurs_du_point`` prices the contribution blocks (``pension/parametres/point_indice.yaml``). The processes
    are started afterwards, through the workflows, by ``services.demo``."""
    comptes: list[dict[str, str]] = []
    async with transaction(sessions) as session:
        commune = await creer_employeur(session, 21330063, "Commune de Saint-Exemple", "rh@saint-exemple.fr")
        hopital = await creer_employeur(
            session, 26330108, "Centre hospitalier de Lautreville", "drh@ch-lautreville.fr", type="hopital"
        )
        employeurs = {"commune": commune, "hopital": hopital}
        references = {"commune": ("01ABC111", "C2013000451"), "hopital": ("33HOP204", "C2009001288")}
        titulaires = {"commune": ("Dupont", "Marcel"), "hopital": ("Laurent", "Sophie")}
        utilisateurs = dict(_UTILISATEURS)
        for cle, siren, raison, email, type_, bcr, contrat, titulaire_admin, gestionnaire in _AUTRES_EMPLOYEURS:
            employeurs[cle] = await creer_employeur(session, siren, raison, email, type=type_)
            references[cle] = (bcr, contrat)
            titulaires[cle] = titulaire_admin
            utilisateurs[cle] = gestionnaire
        for cle, (bcr, contrat) in references.items():
            session.add(
                ReferencesEmployeur(employeur_id=identifiant(employeurs[cle]), numero_bcr=bcr, numero_contrat=contrat)
            )
        camille, jean, lea = [
            await creer_affilie(session, employeur=employeurs[employeur], **donnees) for employeur, donnees in _AGENTS
        ]
        autres: list[tuple[int, Affilie]] = []
        for rang in range(len(NOMS)):
            cle = _EMPLOYEURS_ROTATION[rang % len(_EMPLOYEURS_ROTATION)]
            affilie = await creer_affilie(session, employeur=employeurs[cle], **_carriere(rang, cle))
            autres.append((rang, affilie))
        # 11 began at the département before its current employer: a previous CNRACL employer (its CIR says so).
        rang_11 = autres[11][1]
        departement = employeurs["departement"] if rang_11.employeur_id != employeurs["departement"].id else commune
        for ligne_cir in (
            await session.exec(select(LigneCirTable).where(LigneCirTable.affilie_id == identifiant(rang_11)))
        ).all():
            if ligne_cir.annee < rang_11.date_affiliation.year + 6:
                ligne_cir.employeur_id = identifiant(departement)
                session.add(ligne_cir)
        # Last year is not yet declared for some agents: the current campaign asks their employers to update it.
        a_declarer = [identifiant(a) for rang, a in autres if rang >= len(SCENARIOS) and rang % 2 == 0]
        for ligne_cir in (
            await session.exec(
                select(LigneCirTable).where(
                    col(LigneCirTable.affilie_id).in_(a_declarer), LigneCirTable.annee == date.today().year - 1
                )
            )
        ).all():
            ligne_cir.indice_majore = None
            session.add(ligne_cir)
        # 14 was made titulaire after contract years, 15 works part of a full time (temps non complet): both have a
        # validation-of-services deadline.
        autres[14][1].date_titularisation = date(2012, 3, 1)
        autres[15][1].temps_non_complet = True
        # the temps non complet derogation is open only to an agent titularised by 01/01/2013
        autres[15][1].date_titularisation = date(2012, 9, 1)
        for _, affilie in autres[14:16]:
            session.add(affilie)
        await session.flush()
        await declarer_cotisations(
            session,
            [identifiant(a) for a in (camille, jean, lea)] + [identifiant(a) for _, a in autres],
            valeurs_du_point,
        )
        a_creer: list[tuple[str, str, dict[str, Any], dict[str, str], str | None, str, Affilie | None]] = [
            (
                "affilie",
                "camille.martin",
                {"nir": camille.nir},
                {},
                None,
                "Son espace d'agent, sans demande en cours.",
                camille,
            ),
            ("affilie", "jean.bernard", {"nir": jean.nir}, {}, None, "Son espace d'agent (catégorie active).", jean),
        ]
        for cle, (admin, utilisateur) in _IDENTIFIANTS_EMPLOYEURS.items():
            raison = employeurs[cle].raison_sociale
            for profil, login, noms, a_voir in (
                (
                    "admin",
                    admin,
                    titulaires[cle],
                    "la corbeille des tâches, les comptes des gestionnaires, les agents de la campagne en cours",
                ),
                (
                    "utilisateur",
                    utilisateur,
                    utilisateurs[cle],
                    "les tâches de l'employeur, dont celles de la campagne",
                ),
            ):
                a_creer.append(
                    (
                        "employeur",
                        login,
                        {"siret": employeurs[cle].siret, "profil": profil},
                        dict(zip(("nom", "prenom"), noms, strict=True)),
                        cle,
                        f"{'Administrateur' if profil == 'admin' else 'Gestionnaire'} de {raison} : {a_voir}.",
                        None,
                    )
                )
        for rang, scenario in SCENARIOS.items():
            affilie = autres[rang][1]
            a_creer.append(
                (
                    "affilie",
                    identifiant_agent(affilie.prenom, affilie.nom),
                    {"nir": affilie.nir},
                    {},
                    None,
                    scenario.a_voir,
                    affilie,
                )
            )
        a_creer.append(
            (
                "superviseur",
                "superviseur",
                {},
                {"nom": "Moreau", "prenom": "Claire"},
                None,
                "Tous les processus, dans chaque état ; les tâches en retard ; les gabarits ; la campagne précédente "
                "jusqu'à ses documents et la campagne en cours, à la mise à jour par les employeurs.",
                None,
            )
        )
        for role, identifiant_compte, cible, titulaire, cle_employeur, a_voir, agent in a_creer:
            code = secrets.token_urlsafe(9)
            compte = await creer_compte(
                session,
                role=role,
                identifiant=identifiant_compte,
                code_hash=hacher(code),
                email="superviseurs@cnracl.example.fr" if role == "superviseur" else None,
                **cible,
                **titulaire,
            )
            definir_question_secrete(compte, QUESTION_DEMO, REPONSE_DEMO)
            session.add(compte)
            ligne = {
                "identifiant": identifiant_compte,
                "code": code,
                "role": role,
                "a_voir": a_voir,
                **{k: v for k, v in cible.items() if k in ("nir", "siret")},
                **titulaire,
                "email": compte.email or "",
                "question_secrete": QUESTIONS_SECRETES[QUESTION_DEMO],
                "reponse_secrete": REPONSE_DEMO,
            }
            if agent is not None:  # the agent's identifying data, for the identifier recovery
                ligne |= {
                    "nom": agent.nom,
                    "prenom": agent.prenom,
                    "date_de_naissance": agent.date_de_naissance.isoformat(),
                }
            if cle_employeur is not None:
                bcr, contrat = references[cle_employeur]
                ligne |= {"numero_bcr": bcr, "numero_contrat": contrat}
            comptes.append(ligne)
    await asyncio.to_thread(_ecrire_comptes, fichier, comptes)
    return comptes


def _ecrire_comptes(fichier: Path, comptes: list[dict[str, str]]) -> None:
    """The accounts with their codes, readable by this user only."""
    fichier.parent.mkdir(parents=True, exist_ok=True)
    fichier.write_text(json.dumps(comptes, ensure_ascii=False, indent=2), encoding="utf-8")
    fichier.chmod(0o600)
