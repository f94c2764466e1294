"""The demo data set: a few employers, agents with careers, and one account per role."""

from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path

from sqlmodel import func, select

from persistence.comptes import creer_compte, hacher
from persistence.db import SessionFactory, transaction
from persistence.fabrique import creer_affilie, creer_employeur
from persistence.models import Affilie


async def base_vide(sessions: SessionFactory) -> bool:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(Affilie))).one() == 0


async def charger_demo(sessions: SessionFactory, fichier: Path) -> list[dict[str, str]]:
    """Load the demo data and write the accounts created (with their codes) to ``fichier``."""
    comptes: list[dict[str, str]] = []
    async with transaction(sessions) as session:
        commune = await creer_employeur(session, 21330063, "Commune de Saint-Exemple", "rh@saint-exemple.fr")
        hopital = await creer_employeur(session, 26330108, "Centre hospitalier de Lautreville", "drh@ch-lautreville.fr",
                                        type="hopital")
        camille = await creer_affilie(session, nom="Martin", prenom="Camille", naissance=date(1968, 4, 2),
                                      email="camille.martin@exemple.fr", employeur=commune,
                                      debut_carriere=date(1994, 9, 1), indice_majore=560,
                                      enfants=(date(1999, 5, 1), date(2002, 7, 14)))
        jean = await creer_affilie(session, nom="Bernard", prenom="Jean", naissance=date(1966, 11, 20),
                                   email="jean.bernard@exemple.fr", employeur=hopital, debut_carriere=date(1990, 3, 1),
                                   sexe=1, ordre=3, indice_majore=610, categorie="active")
        await creer_affilie(session, nom="Petit", prenom="Léa", naissance=date(1986, 1, 15), email="lea.petit@exemple.fr",
                            employeur=commune, debut_carriere=date(2010, 1, 1), ordre=2)
        for role, identifiant, cible in (
            ("affilie", "camille.martin", {"nir": camille.nir}),
            ("affilie", "jean.bernard", {"nir": jean.nir}),
            ("employeur", "rh.saint-exemple", {"siret": commune.siret, "profil": "admin"}),
            ("employeur", "drh.lautreville", {"siret": hopital.siret, "profil": "admin"}),
            ("superviseur", "superviseur", {}),
        ):
            code = secrets.token_urlsafe(9)
            await creer_compte(session, role=role, identifiant=identifiant, code_hash=hacher(code), **cible)
            comptes.append({"identifiant": identifiant, "code": code, "role": role,
                            **{k: v for k, v in cible.items() if k in ("nir", "siret")}})
    fichier.parent.mkdir(parents=True, exist_ok=True)
    fichier.write_text(json.dumps(comptes, ensure_ascii=False, indent=2), encoding="utf-8")
    fichier.chmod(0o600)
    return comptes
