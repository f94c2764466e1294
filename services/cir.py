"""CIR lines (compte individuel retraite), one calendar year per line (seed 000): an employer reads and writes
its own agents' lines, a supervisor anyone's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cir import CHAMPS_COTISATIONS, TAUX_DES_CHAMPS, LigneCir, ecarts_cotisations, taux_moyen
from domain.erreurs import ErreurChamp, Introuvable, Refus
from domain.etats import Acteur, Role
from domain.identifiants import erreur_nir, normaliser
from persistence import depots, lectures
from persistence.models import Affilie, Compte, Employeur, LigneCirTable
from services.acces import numero


class LigneCirPublique(BaseModel):
    annee: int
    date_debut: date
    date_fin: date
    quotite: int
    nature: str
    categorie: str
    indice_majore: int | None
    employeur_id: int | None
    traitement_brut: Decimal | None = Field(description="Traitement indiciaire brut soumis à retenue, en euros")
    nbi: Decimal | None = Field(description="NBI soumise à retenue, en euros")
    retenue_salariale: Decimal | None = Field(description="Retenue pour pension (part de l'agent), en euros")
    contribution_employeur: Decimal | None = Field(description="Contribution employeur CNRACL, en euros")


async def affilie_visible(session: AsyncSession, compte: Compte, nir: str) -> Affilie:
    """The agent of this NIR if the account may see them: one of the employer's agents, or for a supervisor."""
    if (erreur := erreur_nir(nir)) is not None:
        raise Refus(f"nir : {erreur}", "nir", "format")
    affilie = await depots.affilie_par_nir(session, normaliser(nir))
    if affilie is None or (compte.role == Role.employeur.value and affilie.employeur_id != compte.employeur_id):
        raise Introuvable("Aucun agent de ce NIR parmi vos agents.")
    return affilie


def _publique(ligne: LigneCirTable) -> LigneCirPublique:
    """The line with its contributions in euros (stored in cents)."""
    euros = {champ: depots.euros(getattr(ligne, f"{champ}_centimes")) for champ in CHAMPS_COTISATIONS}
    return LigneCirPublique.model_validate({**ligne.model_dump(), **euros})


async def lignes(session: AsyncSession, compte: Compte, nir: str) -> list[LigneCirPublique]:
    affilie = await affilie_visible(session, compte, nir)
    return [_publique(ligne) for ligne in await depots.lignes_cir(session, numero(affilie))]


async def employeur_de(session: AsyncSession, affilie: Affilie) -> Employeur | None:
    return await session.get(Employeur, affilie.employeur_id) if affilie.employeur_id else None


async def agents_de_l_employeur(session: AsyncSession, compte: Compte) -> Sequence[Affilie]:
    """An employer's agents by name (a supervisor searches by NIR)."""
    if compte.role != Role.employeur.value:
        return []
    return await lectures.agents_de_l_employeur(session, compte.employeur_id)


def taux_de_l_annee(annee: int) -> dict[str, Decimal]:
    """The contribution rates in force on 1 January of the year, by field."""
    taux = {}
    for champ, nom in TAUX_DES_CHAMPS.items():
        try:
            taux[champ] = taux_moyen(nom, date(annee, 1, 1), date(annee, 1, 1))
        except LookupError:
            continue
    return taux


async def ecrire(session: AsyncSession, compte: Compte, nir: str, annee: int, ligne: LigneCir) -> LigneCirPublique:
    """Create or replace the year's period starting on ``date_debut``: its administrative and contribution data
    together, in one transaction, or nothing. The declared contributions must match the assiette × the rates in
    force for the period (``domain/regles/cotisations.yaml``, within its tolerance); a period of a nature without
    contributions (disponibilité, congé parental, services validés) has none."""
    affilie = await affilie_visible(session, compte, nir)
    if ligne.annee != annee:
        raise Refus(
            f"date_debut : la ligne porte sur {ligne.annee} mais l'adresse vise l'année {annee} ; "
            "une ligne du CIR se saisit dans son année civile.",
            "date_debut",
            "annee_civile",
        )
    if ecarts := ecarts_cotisations(ligne):
        raise Refus(
            " ; ".join(e.message for e in ecarts),
            erreurs=[
                ErreurChamp(
                    e.champ,
                    e.regle,
                    e.message.partition(" : ")[2],
                    f"{e.attendu:.2f}" if e.attendu is not None else None,
                )
                for e in ecarts
            ],
        )
    if chevauche := await depots.chevauchements_cir(session, numero(affilie), ligne):
        autre = chevauche[0]
        raise Refus(
            f"date_debut : la période chevauche celle du {autre.date_debut:%d/%m/%Y} au "
            f"{autre.date_fin:%d/%m/%Y} ; modifiez cette période plutôt que d'en créer une autre.",
            "date_debut",
            "chevauchement",
        )
    employeur_id = compte.employeur_id if compte.role == Role.employeur.value else affilie.employeur_id
    maintenant = datetime.now(UTC)
    ecrite = await depots.ecrire_ligne_cir(
        session, numero(affilie), ligne, employeur_id, maintenant, garder_cotisations=False
    )
    await depots.ajouter_evenement(
        session,
        f"cir-{affilie.cle}",
        "ligne_cir_ecrite",
        Acteur.employeur.value if compte.role == Role.employeur.value else Acteur.superviseur.value,
        maintenant,
        compte.id,
        {"annee": annee, "date_debut": ligne.date_debut.isoformat()},
    )
    await session.commit()
    return _publique(ecrite)
