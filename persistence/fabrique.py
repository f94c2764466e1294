"""Building valid people and careers: the demo data set, tests and the synthetic population use it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.identifiants import cle_nir, completer_siret
from persistence.models import Affilie, Employeur, Enfant, LigneCirTable


class _Ligne(Protocol):
    @property
    def id(self) -> int | None: ...


def identifiant(ligne: _Ligne) -> int:
    """The key of a row once written (flushed): the database gave it."""
    if ligne.id is None:
        raise RuntimeError(f"{type(ligne).__name__} sans identifiant : écrivez-la (flush) d'abord")
    return ligne.id


def nir_valide(sexe: int, naissance: date, departement: str, commune: int, ordre: int) -> str:
    corps = f"{sexe}{naissance.year % 100:02d}{naissance.month:02d}{departement}{commune:03d}{ordre:03d}"
    return corps + cle_nir(corps)


def siret_valide(siren8: int, nic: int) -> str:
    return completer_siret(f"{siren8:08d}{nic:05d}"[:13])


async def creer_employeur(
    session: AsyncSession, siren8: int, raison_sociale: str, email: str, type: str = "collectivite"
) -> Employeur:
    employeur = Employeur(siret=siret_valide(siren8, 17), raison_sociale=raison_sociale, email=email, type=type)
    session.add(employeur)
    await session.flush()
    return employeur


async def creer_affilie(
    session: AsyncSession,
    *,
    nom: str,
    prenom: str,
    naissance: date,
    email: str,
    employeur: Employeur | None,
    debut_carriere: date,
    indice_majore: int = 520,
    quotite: int = 100,
    sexe: int = 2,
    ordre: int = 1,
    enfants: tuple[date, ...] = (),
    fin_carriere: date | None = None,
    categorie: str = "sedentaire",
    adresse_postale: str | None = None,
    canal: str = "email",
) -> Affilie:
    """An affiliate with one CIR line per calendar year from ``debut_carriere`` to the end of last year."""
    affilie = Affilie(
        nir=nir_valide(sexe, naissance, "33", 63, ordre),
        nom=nom,
        prenom=prenom,
        date_de_naissance=naissance,
        email=email,
        employeur_id=employeur.id if employeur else None,
        date_affiliation=debut_carriere,
        date_radiation=fin_carriere,
        categorie=categorie,
        indice_majore=indice_majore,
        quotite=quotite,
        adresse_postale=adresse_postale,
        canal=canal,
    )
    session.add(affilie)
    await session.flush()
    affilie_id = identifiant(affilie)
    fin = fin_carriere or date(date.today().year - 1, 12, 31)
    for annee in range(debut_carriere.year, fin.year + 1):
        debut = max(debut_carriere, date(annee, 1, 1))
        session.add(
            LigneCirTable(
                affilie_id=affilie_id,
                employeur_id=employeur.id if employeur else None,
                annee=annee,
                date_debut=debut,
                date_fin=min(fin, date(annee, 12, 31)),
                quotite=quotite,
                nature="titulaire",
                categorie=categorie,
                indice_majore=max(300, indice_majore - 8 * (fin.year - annee)),
                modifiee_le=datetime.now(UTC),
            )
        )
    for i, naissance_enfant in enumerate(enfants):
        session.add(Enfant(affilie_id=affilie_id, prenom=f"Enfant {i + 1}", date_de_naissance=naissance_enfant))
    await session.flush()
    return affilie
