"""The demo data set: a few employers, agents with careers, and one account per role.

Every demo account has a secret question (seed 002), so that the lost-code path can be tried with
``make run``: its answer is in ``var/demo.json``, as are the employers' BCR and contract numbers."""

from __future__ import annotations

import asyncio
import json
import secrets
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
            "debut_carriere": date(2010, 1, 1),
            "ordre": 2,
        },
    ),
)


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
    """Load the demo data and write the accounts created (with their codes) to ``fichier``; ``valeurs_du_point``
    prices the contribution blocks (``pension/parametres/point_indice.yaml``)."""
    comptes: list[dict[str, str]] = []
    async with transaction(sessions) as session:
        commune = await creer_employeur(session, 21330063, "Commune de Saint-Exemple", "rh@saint-exemple.fr")
        hopital = await creer_employeur(
            session, 26330108, "Centre hospitalier de Lautreville", "drh@ch-lautreville.fr", type="hopital"
        )
        employeurs = {"commune": commune, "hopital": hopital}
        camille, jean, lea = [
            await creer_affilie(session, employeur=employeurs[employeur], **donnees) for employeur, donnees in _AGENTS
        ]
        await declarer_cotisations(
            session, [identifiant(camille), identifiant(jean), identifiant(lea)], valeurs_du_point
        )
        references = {
            identifiant(commune): ReferencesEmployeur(
                employeur_id=identifiant(commune), numero_bcr="01ABC111", numero_contrat="C2013000451"
            ),
            identifiant(hopital): ReferencesEmployeur(
                employeur_id=identifiant(hopital), numero_bcr="33HOP204", numero_contrat="C2009001288"
            ),
        }
        for role, identifiant_compte, cible, titulaire, employeur in (
            ("affilie", "camille.martin", {"nir": camille.nir}, {}, None),
            ("affilie", "jean.bernard", {"nir": jean.nir}, {}, None),
            (
                "employeur",
                "rh.saint-exemple",
                {"siret": commune.siret, "profil": "admin"},
                {"nom": "Dupont", "prenom": "Marcel"},
                commune,
            ),
            (
                "employeur",
                "drh.lautreville",
                {"siret": hopital.siret, "profil": "admin"},
                {"nom": "Laurent", "prenom": "Sophie"},
                hopital,
            ),
            ("superviseur", "superviseur", {}, {"nom": "Moreau", "prenom": "Claire"}, None),
        ):
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
                **{k: v for k, v in cible.items() if k in ("nir", "siret")},
                **titulaire,
                "email": compte.email or "",
                "question_secrete": QUESTIONS_SECRETES[QUESTION_DEMO],
                "reponse_secrete": REPONSE_DEMO,
            }
            if role == "affilie":  # the agent's identifying data, for the identifier recovery
                agent = camille if cible["nir"] == camille.nir else jean
                ligne |= {
                    "nom": agent.nom,
                    "prenom": agent.prenom,
                    "date_de_naissance": agent.date_de_naissance.isoformat(),
                }
            if employeur is not None:
                ref = references[identifiant(employeur)]
                ligne |= {"numero_bcr": ref.numero_bcr or "", "numero_contrat": ref.numero_contrat or ""}
            comptes.append(ligne)
    await asyncio.to_thread(_ecrire_comptes, fichier, comptes)
    return comptes


def _ecrire_comptes(fichier: Path, comptes: list[dict[str, str]]) -> None:
    """The accounts with their codes, readable by this user only."""
    fichier.parent.mkdir(parents=True, exist_ok=True)
    fichier.write_text(json.dumps(comptes, ensure_ascii=False, indent=2), encoding="utf-8")
    fichier.chmod(0o600)
