"""CIR lines (compte individuel retraite), one calendar year per line (seed 000): an employer reads and writes
its own agents' lines, a previous employer only the lines it declared, a supervisor anyone's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cir import (
    CHAMPS_COTISATIONS,
    TAUX_DES_CHAMPS,
    LigneCir,
    controler_corrections,
    ecarts_cotisations,
    lignes_remplacees,
    taux_moyen,
)
from domain.cir import (
    refus as refus_du_cir,
)
from domain.erreurs import Conflit, ErreurChamp, Interdit, Introuvable, Refus
from domain.etats import Acteur, Role
from domain.identifiants import erreur_nir, normaliser
from persistence import depots, lectures
from persistence.models import Affilie, Compte, Employeur, LigneCirTable
from services import incidents
from services.acces import numero
from services.moteur import Moteur


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


@dataclass(frozen=True)
class AccesCir:
    """Who reaches which part of an agent's CIR: ``employeur_id`` set, a previous employer of the agent, which
    reads, corrects and deletes only the lines it declared (``ligne_cir.employeur_id``)."""

    affilie: Affilie
    employeur_id: int | None = None

    @property
    def restreint(self) -> bool:
        return self.employeur_id is not None

    def voit(self, ligne: LigneCirTable) -> bool:
        return self.employeur_id is None or ligne.employeur_id == self.employeur_id


SEULEMENT_SES_PERIODES = (
    "date_debut : vous n'êtes plus l'employeur de cet agent : vous pouvez seulement corriger ou supprimer les "
    "périodes que vous avez déclarées (indiquez dans « remplace » le premier jour de l'une d'elles). Pour une autre "
    "période, adressez-vous à son employeur actuel ou à votre correspondant CNRACL."
)


async def acces_cir(session: AsyncSession, compte: Compte, nir: str) -> AccesCir:
    """The agent of this NIR and the part of its CIR the account reaches: all of it for its current employer or a
    supervisor; its own lines for a previous employer that declared some. Any other employer: ``Introuvable``
    (the agent is not revealed to exist)."""
    if (erreur := erreur_nir(nir)) is not None:
        raise Refus(f"nir : {erreur}", "nir", "format")
    affilie = await depots.affilie_par_nir(session, normaliser(nir))
    if affilie is None:
        raise Introuvable("Aucun agent de ce NIR parmi vos agents.")
    if compte.role != Role.employeur.value or affilie.employeur_id == compte.employeur_id:
        return AccesCir(affilie)
    if compte.employeur_id is not None and any(
        ligne.employeur_id == compte.employeur_id for ligne in await depots.lignes_cir(session, numero(affilie))
    ):
        return AccesCir(affilie, compte.employeur_id)
    raise Introuvable("Aucun agent de ce NIR parmi vos agents.")


def _publique(ligne: LigneCirTable) -> LigneCirPublique:
    """The line with its contributions in euros (stored in cents)."""
    euros = {champ: depots.euros(getattr(ligne, f"{champ}_centimes")) for champ in CHAMPS_COTISATIONS}
    return LigneCirPublique.model_validate({**ligne.model_dump(), **euros})


async def lignes(session: AsyncSession, compte: Compte, nir: str) -> list[LigneCirPublique]:
    """The agent's lines the account reaches (a previous employer: the lines it declared)."""
    acces = await acces_cir(session, compte, nir)
    return [_publique(ligne) for ligne in await depots.lignes_cir(session, numero(acces.affilie)) if acces.voit(ligne)]


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


def _acteur(compte: Compte) -> str:
    return Acteur.employeur.value if compte.role == Role.employeur.value else Acteur.superviseur.value


def _motif(motif: str | None) -> str | None:
    return (motif or "").strip() or None


def _verifier_employeur_de_la_ligne(compte: Compte, ligne: LigneCirTable, action: str) -> None:
    """Only the employer of a period (its ``employeur_id``) or a supervisor corrects or deletes it."""
    if compte.role == Role.employeur.value and ligne.employeur_id != compte.employeur_id:
        raise Interdit(
            f"date_debut : la période du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} a été déclarée "
            f"par un autre employeur ; seul l'employeur de la période ou la CNRACL peut la {action}. "
            "Adressez-vous à votre correspondant CNRACL.",
            "date_debut",
            "employeur_de_la_periode",
        )


def _sans_les_autres_periodes(refus: Refus, ligne: LigneCir) -> Refus:
    """A previous employer's refusal without the dates of the periods it may not read (an overlap names none)."""
    erreurs = [
        replace(
            erreur,
            message=f"la période du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} chevauche une autre "
            "période du compte de l'agent ; gardez les dates de votre période d'emploi, ou adressez-vous à votre "
            "correspondant CNRACL.",
        )
        if erreur.regle == "chevauchement"
        else erreur
        for erreur in refus.erreurs
    ]
    return refus_du_cir(erreurs)


def _identique(stockee: LigneCirTable, ligne: LigneCir, employeur_id: int | None) -> bool:
    valeurs = depots.valeurs_cir(stockee)
    return valeurs == {
        "date_debut": ligne.date_debut.isoformat(),
        "date_fin": ligne.date_fin.isoformat(),
        "quotite": ligne.quotite,
        "nature": ligne.nature.value,
        "categorie": ligne.categorie,
        "indice_majore": ligne.indice_majore,
        "employeur_id": employeur_id,
        **{f"{champ}_centimes": depots.centimes(getattr(ligne, champ)) for champ in CHAMPS_COTISATIONS},
    }


async def ecrire(
    session: AsyncSession,
    compte: Compte,
    nir: str,
    annee: int,
    ligne: LigneCir,
    motif: str | None = None,
    projetee: bool = False,
    moteur: Moteur | None = None,
) -> LigneCirPublique:
    """Create or correct a period of year ``annee``: its administrative and contribution data together, in one
    transaction, or nothing. The line of the same start date is replaced; ``ligne.remplace`` names another line
    of the year it takes the place of (deleted in the same transaction). The line keeps the CIR's invariants
    (``domain.cir``: one calendar year, not before the agent could work, not after today unless ``projetee``,
    quotité and indice within bounds, no overlap), checked under the agent's lock; its declared contributions
    match the assiette × the rates in force (``domain/regles/cotisations.yaml``, within its tolerance). Only the
    employer of a replaced period or a supervisor may correct it; a previous employer of the agent only corrects
    the lines it declared (it adds none). The change goes into the CIR's history; then, with ``moteur``, the
    agent's processes stopped on a business incident are resumed (``incidents.reprendre_apres_correction``)."""
    acces = await acces_cir(session, compte, nir)
    affilie = acces.affilie
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
    employeur_id = compte.employeur_id if compte.role == Role.employeur.value else affilie.employeur_id
    # A refusal leaves the transaction to the request's end, which rolls it back (a rollback here would expire
    # the account the page still shows).
    ecrite = await _ecrire_sous_verrou(session, compte, acces, annee, ligne, employeur_id, motif, projetee)
    if moteur is not None:
        periode = f"période du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} enregistrée"
        await incidents.reprendre_apres_correction(session, moteur, compte, numero(acces.affilie), periode)
    return ecrite


async def _ecrire_sous_verrou(
    session: AsyncSession,
    compte: Compte,
    acces: AccesCir,
    annee: int,
    ligne: LigneCir,
    employeur_id: int | None,
    motif: str | None,
    projetee: bool,
) -> LigneCirPublique:
    affilie = acces.affilie
    affilie_id = numero(affilie)
    await depots.verrouiller_cir(session, affilie_id)
    remplacees = [
        stockee
        for debut in sorted(lignes_remplacees(ligne))
        if (stockee := await depots.ligne_cir(session, affilie_id, debut)) is not None
    ]
    if acces.restreint and (not remplacees or not all(acces.voit(stockee) for stockee in remplacees)):
        # The same answer whether the other line exists or not: a previous employer never learns of it.
        raise Interdit(SEULEMENT_SES_PERIODES, "date_debut", "periodes_de_l_employeur")
    for stockee in remplacees:
        debut = stockee.date_debut
        _verifier_employeur_de_la_ligne(compte, stockee, "corriger")
        if debut == ligne.date_debut and ligne.remplace in (None, debut) and _identique(stockee, ligne, employeur_id):
            raise Conflit(
                f"date_debut : la période du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} est déjà au "
                "CIR, à l'identique : rien n'a changé. Rechargez le CIR pour voir la ligne enregistrée.",
                "date_debut",
                "deja_enregistree",
            )
    maintenant = datetime.now(UTC)
    try:
        [ecriture] = await depots.ecrire_cir_controle(
            session,
            affilie_id,
            [(ligne, employeur_id)],
            maintenant,
            date.today(),
            projetee=projetee,
            garder_cotisations=False,
        )
    except Refus as refus:
        if acces.restreint:
            raise _sans_les_autres_periodes(refus, ligne) from None
        raise
    await depots.ajouter_evenement(
        session,
        f"cir-{affilie.cle}",
        "ligne_cir_remplacee" if ligne.remplace not in (None, ligne.date_debut) else "ligne_cir_ecrite",
        _acteur(compte),
        maintenant,
        compte.id,
        {
            "annee": annee,
            "date_debut": ligne.date_debut.isoformat(),
            "motif": _motif(motif),
            "avant": ecriture.avant,
            "apres": depots.valeurs_cir(ecriture.apres),
        },
    )
    await session.commit()
    return _publique(ecriture.apres)


async def supprimer(
    session: AsyncSession,
    compte: Compte,
    nir: str,
    annee: int,
    date_debut: date,
    motif: str | None,
    moteur: Moteur | None = None,
) -> None:
    """Delete the period of year ``annee`` starting on ``date_debut``, with the reason (required), under the
    agent's lock; only its employer or a supervisor may (a previous employer of the agent: the lines it
    declared). The line's values go into the CIR's history; then, with ``moteur``, the agent's processes stopped
    on a business incident are resumed (``incidents.reprendre_apres_correction``)."""
    acces = await acces_cir(session, compte, nir)
    affilie = acces.affilie
    if (motif := _motif(motif)) is None:
        raise Refus(
            "motif : indiquez pourquoi vous supprimez cette période (par exemple « période déclarée en double ») ; "
            "le motif est conservé dans l'historique du CIR.",
            "motif",
            "obligatoire",
        )
    if date_debut.year != annee:
        raise Refus(
            f"date_debut : la période du {date_debut:%d/%m/%Y} n'est pas de l'année {annee} ; une ligne du CIR "
            "se désigne dans son année civile.",
            "date_debut",
            "annee_civile",
        )
    affilie_id = numero(affilie)
    await depots.verrouiller_cir(session, affilie_id)
    stockee = await depots.ligne_cir(session, affilie_id, date_debut)
    if stockee is None or not acces.voit(stockee):
        raise Introuvable(
            f"Aucune période du CIR de cet agent ne commence le {date_debut:%d/%m/%Y} : elle a peut-être déjà "
            "été supprimée ou corrigée. Rechargez le CIR."
        )
    _verifier_employeur_de_la_ligne(compte, stockee, "supprimer")
    avant = await depots.supprimer_ligne_cir(session, affilie_id, date_debut)
    await depots.ajouter_evenement(
        session,
        f"cir-{affilie.cle}",
        "ligne_cir_supprimee",
        _acteur(compte),
        datetime.now(UTC),
        compte.id,
        {"annee": annee, "date_debut": date_debut.isoformat(), "motif": motif, "avant": [avant]},
    )
    await session.commit()
    if moteur is not None:
        periode = f"période du {stockee.date_debut:%d/%m/%Y} au {stockee.date_fin:%d/%m/%Y} supprimée ({motif})"
        await incidents.reprendre_apres_correction(session, moteur, compte, affilie_id, periode)


async def verifier_corrections(session: AsyncSession, affilie_id: int | None, corrections: list[LigneCir]) -> None:
    """A task's corrections checked against the agent's current CIR before they reach the process: ``Refus``
    naming each line in error (``corrections.N.champ``) and its rule. The process's write checks them again
    under the agent's lock."""
    if not corrections:
        return
    if affilie_id is None:
        raise Refus(
            "corrections : cette tâche ne porte sur aucun agent ; aucune ligne du CIR ne peut y être corrigée.",
            "corrections",
            "sans_agent",
        )
    affilie = await session.get(Affilie, affilie_id)
    if affilie is None:
        raise Introuvable("L'agent de cette tâche n'existe plus.")
    for i, ligne in enumerate(corrections):
        if ecarts := ecarts_cotisations(ligne):
            raise Refus(
                " ; ".join(f"corrections.{i}.{e.message}" for e in ecarts),
                erreurs=[
                    ErreurChamp(
                        f"corrections.{i}.{e.champ}",
                        e.regle,
                        e.message.partition(" : ")[2],
                        f"{e.attendu:.2f}" if e.attendu is not None else None,
                    )
                    for e in ecarts
                ],
            )
    existantes = depots.periodes(await depots.lignes_cir(session, affilie_id))
    controler_corrections(corrections, existantes, affilie.date_de_naissance, date.today())


async def ecrire_corrections_de_campagne(
    session: AsyncSession,
    compte: Compte,
    tache_id: int,
    affilie_id: int | None,
    employeur_id: int | None,
    corrections: list[LigneCir],
    commentaire: str,
) -> None:
    """A campaign task's corrections written into the agent's CIR in the caller's transaction (committed with the
    task's answer), checked under the agent's lock."""
    if not corrections:
        return
    await verifier_corrections(session, affilie_id, corrections)
    await depots.ecrire_corrections_cir(
        session,
        affilie_id,  # type: ignore[arg-type]
        employeur_id,
        corrections,
        datetime.now(UTC),
        _acteur(compte),
        compte.id,
        {"tache_id": tache_id, "motif": commentaire or None},
    )
