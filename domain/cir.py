"""A CIR line (compte individuel retraite): one period of one calendar year with one employer.

A line holds the administrative data of the period (dates, quotité, nature, catégorie, indice) and its
contribution data as the employer declares it on the « Cotisations CNR » page (seed 000): the assiette
(traitement indiciaire brut soumis à retenue + NBI), the retenue salariale and the contribution employeur.
Both are saved together. The rates are dated parameters (``domain/regles/cotisations.yaml``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Protocol

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from domain.erreurs import ErreurChamp, Refus
from domain.montants import euros
from domain.regles import parametre, tous_les_parametres
from domain.saisie import Saisie

CENTIME = Decimal("0.01")
MONTANT_MAXIMUM = Decimal("10000000")  # a bound on input, not a legal number: no period reaches ten million euros


class NatureService(StrEnum):
    titulaire = "titulaire"
    stagiaire = "stagiaire"
    non_titulaire_valide = "non_titulaire_valide"
    disponibilite = "disponibilite"
    conge_parental = "conge_parental"
    detachement = "detachement"


LIBELLES_CHAMPS = {
    "traitement_brut": "traitement indiciaire brut soumis à retenue",
    "nbi": "nouvelle bonification indiciaire (NBI) soumise à retenue",
    "retenue_salariale": "retenue salariale (part de l'agent)",
    "contribution_employeur": "contribution employeur",
}
CHAMPS_COTISATIONS = tuple(LIBELLES_CHAMPS)
# Each declared amount and the rate that produces it from the assiette.
TAUX_DES_CHAMPS = {"retenue_salariale": "taux_retenue_agent", "contribution_employeur": "taux_contribution_employeur"}


_MONTANT_ATTENDU = (
    "un montant en euros est attendu, avec une virgule avant les centimes et sans point entre les milliers, "
    "par exemple 33 081,10"
)


def _montant(valeur: Any) -> Any:
    """An amount in euros, with a French comma or a dot and at most two decimals, spaces between the thousands
    and the euro sign allowed (« 33 081,10 », « 33081,10 », « 33081.10 », « 33 081,10 € »)."""
    if valeur is None or isinstance(valeur, Decimal):
        montant = valeur
    elif isinstance(valeur, bool):
        raise ValueError(_MONTANT_ATTENDU)
    elif isinstance(valeur, (int, float)):
        montant = Decimal(str(valeur))
    elif isinstance(valeur, str):
        texte = valeur.strip().removesuffix("€").replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        texte = texte.replace(",", ".")
        if texte == "":
            return None
        try:
            montant = Decimal(texte)
        except InvalidOperation:
            raise ValueError(_MONTANT_ATTENDU) from None
    else:
        raise ValueError(_MONTANT_ATTENDU)
    if montant is None:
        return None
    if not montant.is_finite():
        raise ValueError(_MONTANT_ATTENDU)
    if montant < 0:
        raise ValueError("le montant ne peut pas être négatif")
    if montant >= MONTANT_MAXIMUM:
        raise ValueError("le montant est hors de proportion avec une période d'une année : vérifiez la saisie")
    if montant != montant.quantize(CENTIME):
        raise ValueError("un montant en euros a au plus deux décimales (centimes)")
    return montant.quantize(CENTIME)


Montant = Annotated[Decimal | None, BeforeValidator(_montant)]


def natures_sans_cotisation(a_la_date: date) -> frozenset[str]:
    """The natures of period that carry no contribution (the earliest list for an older period)."""
    premiere = _dates_d_effet("natures_sans_cotisation")[0]
    return frozenset(parametre("cotisations", "natures_sans_cotisation", max(a_la_date, premiere)).valeur)


# Seed 000.
class LigneCir(Saisie):
    """Les données administratives et de cotisation d'une période, enregistrées ensemble."""

    # --- données administratives ---
    date_debut: date = Field(description="Premier jour de la période")
    date_fin: date = Field(description="Dernier jour de la période, dans la même année civile")
    quotite: int = Field(default=100, ge=1, le=100, description="Quotité de travail en %")
    nature: NatureService = NatureService.titulaire
    categorie: str = Field(default="sedentaire", pattern="^(sedentaire|active)$")
    indice_majore: int | None = Field(default=None, ge=100, le=1500)
    siret_employeur: str | None = Field(default=None, description="SIRET de l'employeur de la période")
    # --- cotisations (page « Cotisations CNR »), en euros, pour la période ---
    traitement_brut: Montant = Field(
        default=None, description="Traitement indiciaire brut soumis à retenue de la période, en euros"
    )
    nbi: Montant = Field(default=None, description="NBI soumise à retenue de la période, en euros (absente = 0)")
    retenue_salariale: Montant = Field(
        default=None, description="Retenue pour pension à la charge de l'agent, en euros"
    )
    contribution_employeur: Montant = Field(
        default=None, description="Contribution de l'employeur à la CNRACL, en euros"
    )
    # --- correction ---
    remplace: date | None = Field(
        default=None,
        description=(
            "Correction d'une période : date de début de la ligne de la même année que celle-ci remplace "
            "(elle est supprimée dans la même transaction) ; absente : la ligne commençant le même jour est remplacée"
        ),
    )

    @model_validator(mode="after")
    def _une_annee_civile(self) -> LigneCir:
        if self.date_fin < self.date_debut:
            raise PydanticCustomError(
                "ordre_des_dates",
                "date_fin : la fin de la période précède son début ; saisissez une date de fin "
                "postérieure ou égale à la date de début.",
            )
        if self.date_fin.year != self.date_debut.year:
            raise PydanticCustomError(
                "annee_civile",
                "date_fin : une ligne du CIR porte sur une seule année civile "
                f"({self.date_debut.year}) ; saisissez une ligne par année.",
            )
        return self

    @model_validator(mode="after")
    def _bloc_cotisations_complet(self) -> LigneCir:
        """The contribution block is empty or complete (the NBI may be absent); a period of a nature that
        carries no contribution (disponibilité…) has an empty block."""
        saisis = [c for c in CHAMPS_COTISATIONS if getattr(self, c) is not None]
        if not saisis:
            return self
        if self.nature.value in natures_sans_cotisation(self.date_debut):
            raise PydanticCustomError(
                "nature_sans_cotisation",
                f"{saisis[0]} : une période de cette nature de services ne porte aucune cotisation ; "
                "laissez le bloc « Cotisations » vide pour cette période.",
            )
        for champ in ("traitement_brut", "retenue_salariale", "contribution_employeur"):
            if getattr(self, champ) is None:
                raise PydanticCustomError(
                    "bloc_cotisations_complet",
                    f"{champ} : le bloc « Cotisations » est incomplet ; saisissez aussi la "
                    f"{LIBELLES_CHAMPS[champ]} de la période (ou laissez tout le bloc vide).",
                )
        return self

    @property
    def annee(self) -> int:
        return self.date_debut.year

    @property
    def a_des_cotisations(self) -> bool:
        return self.traitement_brut is not None

    @property
    def assiette(self) -> Decimal | None:
        if self.traitement_brut is None:
            return None
        return self.traitement_brut + (self.nbi or Decimal(0))


# --- the check of the declared contributions against assiette × rate ---


@dataclass(frozen=True)
class EcartCotisation:
    """A declared amount outside the tolerance around assiette × rate in force."""

    champ: str
    regle: str
    declare: Decimal | None
    attendu: Decimal | None
    message: str


def _dates_d_effet(nom: str) -> list[date]:
    return sorted(
        date.fromisoformat(str(v["date_effet"])) for v in tous_les_parametres()["cotisations"][nom]["valeurs"]
    )


def taux_moyen(nom: str, debut: date, fin: date) -> Decimal:
    """The rate (in %) in force over ``debut``–``fin``, weighted by days when it changes within the period.
    ``LookupError`` when no rate is known for part of the period."""
    bornes = [debut] + [d for d in _dates_d_effet(nom) if debut < d <= fin] + [fin + timedelta(days=1)]
    total = Decimal(0)
    for du, au in itertools.pairwise(bornes):
        taux = Decimal(str(parametre("cotisations", nom, du).valeur))
        total += taux * (au - du).days
    return total / (fin - debut + timedelta(days=1)).days


def montant_attendu(nom_taux: str, assiette: Decimal, debut: date, fin: date) -> Decimal:
    return (assiette * taux_moyen(nom_taux, debut, fin) / 100).quantize(CENTIME, rounding=ROUND_HALF_UP)


def cotisations_attendues(assiette: Decimal, debut: date, fin: date) -> dict[str, Decimal]:
    """The retenue salariale and the contribution employeur of ``assiette`` over the period."""
    return {champ: montant_attendu(nom, assiette, debut, fin) for champ, nom in TAUX_DES_CHAMPS.items()}


def _pourcent(taux: Decimal) -> str:
    return f"{taux.quantize(Decimal('0.001')).normalize():f}".replace(".", ",") + " %"


def ecarts_cotisations(ligne: LigneCir) -> list[EcartCotisation]:
    """Each declared contribution checked against assiette × the rate in force for the period, within the
    tolerance (``tolerance_euros`` or ``tolerance_pourcentage`` of the expected amount, whichever is larger)."""
    assiette = ligne.assiette
    if assiette is None:
        return []
    ecarts = []
    tolerance_euros = Decimal(str(parametre("cotisations", "tolerance_euros", ligne.date_debut).valeur))
    tolerance_pct = Decimal(str(parametre("cotisations", "tolerance_pourcentage", ligne.date_debut).valeur))
    periode = f"du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y}"
    for champ, nom in TAUX_DES_CHAMPS.items():
        declare = getattr(ligne, champ)
        try:
            taux = taux_moyen(nom, ligne.date_debut, ligne.date_fin)
        except LookupError:
            ecarts.append(
                EcartCotisation(
                    champ,
                    nom,
                    declare,
                    None,
                    (
                        f"{champ} : aucun taux de {LIBELLES_CHAMPS[champ]} n'est connu pour la période {periode} ; le service ne peut pas "
                        "contrôler cette cotisation : laissez le bloc « Cotisations » vide et adressez-vous à la CNRACL."
                    ),
                )
            )
            continue
        attendu = (assiette * taux / 100).quantize(CENTIME, rounding=ROUND_HALF_UP)
        tolere = max(tolerance_euros, attendu * tolerance_pct / 100)
        if abs(declare - attendu) > tolere:
            ecarts.append(
                EcartCotisation(
                    champ,
                    nom,
                    declare,
                    attendu,
                    (
                        f"{champ} : la {LIBELLES_CHAMPS[champ]} déclarée ({euros(declare)}) ne correspond pas à "
                        f"l'assiette ({euros(assiette)}) × le taux de {LIBELLES_CHAMPS[champ]} en vigueur pour la période {periode} "
                        f"({_pourcent(taux)}) ; montant attendu : {euros(attendu)} (écart toléré : "
                        f"{euros(tolere.quantize(CENTIME))}). Corrigez le montant ou l'assiette."
                    ),
                )
            )
    return ecarts


# --- estimated contributions of a period (demo data, synthetic population) ---


class ValeurDatee(Protocol):
    """A value with its effect date (a version of a parameter of ``pension/parametres``)."""

    @property
    def date_effet(self) -> date: ...

    @property
    def valeur(self) -> Any: ...


ValeursDuPoint = Sequence[ValeurDatee]
"""The yearly traitement of indice majoré 100 by effect date, oldest first: the versions of
``pension/parametres/point_indice.yaml``, read by the caller (the domain imports nothing of ours)."""


def traitement_d_un_point(debut: date, fin: date, valeurs_du_point: ValeursDuPoint) -> Decimal:
    """The traitement brut of one point of indice majoré over the period at full time, in euros: the yearly
    value of the point (per 100 points) pro rata of the days, weighted when it changes.
    ``LookupError`` when the value of the point is not known for the whole period."""
    changements = [v.date_effet for v in valeurs_du_point if debut < v.date_effet <= fin]
    bornes = [debut, *changements, fin + timedelta(days=1)]
    total = Decimal(0)
    for du, au in itertools.pairwise(bornes):
        en_vigueur = [v.valeur for v in valeurs_du_point if v.date_effet <= du]
        if not en_vigueur:
            raise LookupError(f"point_indice inconnu le {du.isoformat()}")
        jours_annee = (date(du.year + 1, 1, 1) - date(du.year, 1, 1)).days
        total += Decimal(str(en_vigueur[-1])) / 100 * (au - du).days / jours_annee
    return total


def cotisations_estimees(
    indice_majore: int, quotite: int, debut: date, fin: date, valeurs_du_point: ValeursDuPoint
) -> dict[str, Decimal] | None:
    """A consistent contribution block for a period (indice × point × quotité, then × the rates), or ``None``
    when the point or a rate is not known for the period (such a line keeps an empty block)."""
    try:
        traitement = (indice_majore * traitement_d_un_point(debut, fin, valeurs_du_point) * quotite / 100).quantize(
            CENTIME, ROUND_HALF_UP
        )
        return {"traitement_brut": traitement, "nbi": Decimal("0.00"), **cotisations_attendues(traitement, debut, fin)}
    except LookupError:
        return None


# --- the invariants of a line, whatever the entry (PUT, page, task corrections, consolidations, CLI) ---
#
# Pure checks: the caller reads the agent's birth date, today's date and the agent's stored lines, and writes
# only if they pass, in the transaction that holds the agent's lock (``persistence.depots.verrouiller_cir``).

QUOTITE_BORNES = (1, 100)
"""Quotité in %: the bounds of the field (``LigneCir.quotite``), not a legal parameter — a part-time or
non-complete post has any share of a full time up to 100 %."""
INDICE_MAJORE_BORNES = (100, 1500)
"""Indice majoré: the bounds of the field (``LigneCir.indice_majore``), a plausibility bound on input, not a legal
grid (the lowest grid of the public service is above 300 since 2006, the highest letter « hors échelle G » near
1500): the exact grids are dated and per corps, out of this service's data."""


@dataclass(frozen=True)
class Periode:
    """A stored line as the checks see it."""

    date_debut: date
    date_fin: date


def _anniversaire(naissance: date, ans: int) -> date:
    try:
        return naissance.replace(year=naissance.year + ans)
    except ValueError:  # born on 29 February
        return date(naissance.year + ans, 3, 1)


def age_minimum_de_travail(date_de_naissance: date) -> tuple[int, str]:
    """The age of admission to work of the agent's generation, in years, and its legal reference
    (``domain/regles/cir.yaml``, indexed on the birth date; the earliest value for an older generation)."""
    valeurs = tous_les_parametres()["cir"]["age_minimum_travail"]["valeurs"]
    premiere = min(date.fromisoformat(str(v["date_effet"])) for v in valeurs)
    valeur = parametre("cir", "age_minimum_travail", max(date_de_naissance, premiere))
    brute = next(v for v in valeurs if date.fromisoformat(str(v["date_effet"])) == valeur.date_effet)
    return int(valeur.valeur), str(brute.get("libelle") or valeur.reference_titre)


def _erreur(prefixe: str, champ: str, regle: str, message: str) -> ErreurChamp:
    return ErreurChamp(f"{prefixe}{champ}", regle, message)


def erreurs_de_la_ligne(
    ligne: LigneCir, date_de_naissance: date, aujourd_hui: date, projetee: bool = False, prefixe: str = ""
) -> list[ErreurChamp]:
    """The bounds of one line, each broken rule once: one calendar year; not before the agent could work; not
    after today unless ``projetee`` (a process asking for a projected period); quotité and indice majoré within
    their bounds. ``prefixe`` names the line in a list (``corrections.0.``)."""
    erreurs = []
    if ligne.date_fin < ligne.date_debut:
        erreurs.append(
            _erreur(
                prefixe,
                "date_fin",
                "ordre_des_dates",
                "la fin de la période précède son début ; saisissez une date de fin postérieure ou égale à la date "
                "de début.",
            )
        )
    elif ligne.date_fin.year != ligne.date_debut.year:
        erreurs.append(
            _erreur(
                prefixe,
                "date_fin",
                "annee_civile",
                f"une ligne du CIR porte sur une seule année civile ({ligne.date_debut.year}) ; saisissez une "
                "ligne par année.",
            )
        )
    ans, reference = age_minimum_de_travail(date_de_naissance)
    premier_jour = _anniversaire(date_de_naissance, ans)
    if ligne.date_debut < premier_jour:
        erreurs.append(
            _erreur(
                prefixe,
                "date_debut",
                "age_minimum_travail",
                f"la période commence le {ligne.date_debut:%d/%m/%Y}, avant que l'agent, né le "
                f"{date_de_naissance:%d/%m/%Y}, ait l'âge minimum d'admission au travail ({ans} ans : "
                f"{reference}) ; saisissez une date de début à partir du {premier_jour:%d/%m/%Y}.",
            )
        )
    if not projetee and ligne.date_fin > aujourd_hui:
        erreurs.append(
            _erreur(
                prefixe,
                "date_fin",
                "periode_future",
                f"la période se termine le {ligne.date_fin:%d/%m/%Y}, après aujourd'hui "
                f"({aujourd_hui:%d/%m/%Y}) : le CIR ne décrit que des services déjà accomplis ; saisissez "
                "une date de fin au plus tard aujourd'hui.",
            )
        )
    bas, haut = QUOTITE_BORNES
    if not bas <= ligne.quotite <= haut:
        erreurs.append(
            _erreur(
                prefixe,
                "quotite",
                "quotite_bornes",
                f"la quotité de travail ({ligne.quotite} %) doit être comprise entre {bas} et {haut} % ; "
                "saisissez la part d'un temps plein travaillée pendant la période.",
            )
        )
    bas, haut = INDICE_MAJORE_BORNES
    if ligne.indice_majore is not None and not bas <= ligne.indice_majore <= haut:
        erreurs.append(
            _erreur(
                prefixe,
                "indice_majore",
                "indice_majore_bornes",
                f"l'indice majoré ({ligne.indice_majore}) doit être compris entre {bas} et {haut} ; saisissez "
                "l'indice majoré de la grille de l'agent pendant la période.",
            )
        )
    return erreurs


def lignes_remplacees(ligne: LigneCir) -> set[date]:
    """The start dates of the stored lines this one takes the place of: the line of the same start date
    (create or replace) and the one it names in ``remplace``."""
    return {ligne.date_debut} | ({ligne.remplace} if ligne.remplace is not None else set())


def refus(erreurs: Sequence[ErreurChamp]) -> Refus:
    """The refusal of these errors, its message naming each field and rule (« champ : … »)."""
    message = " ; ".join(f"{e.champ} : {e.message}" for e in erreurs)
    return Refus(message, erreurs=list(erreurs))


@dataclass(frozen=True)
class CirDeLAgent:
    """An agent's CIR as the checks of a write see it: its periods, the agent's birth date, today, and whether a
    period may end after today (``projetee``: a process asking for a projected period)."""

    periodes: Sequence[Periode]
    date_de_naissance: date
    aujourd_hui: date
    projetee: bool = False

    def erreurs_d_ecriture(self, ligne: LigneCir, prefixe: str = "") -> list[ErreurChamp]:
        """Every rule ``ligne`` breaks when written over these periods: its bounds, the line it names in
        ``remplace`` (of the same year, stored), and no overlap with another line of the agent. ``prefixe`` names
        the line in a list (``corrections.0.``)."""
        erreurs = erreurs_de_la_ligne(ligne, self.date_de_naissance, self.aujourd_hui, self.projetee, prefixe)
        debuts = {p.date_debut for p in self.periodes}
        if ligne.remplace is not None:
            if ligne.remplace.year != ligne.date_debut.year:
                erreurs.append(
                    _erreur(
                        prefixe,
                        "remplace",
                        "annee_civile",
                        f"la ligne corrigée (du {ligne.remplace:%d/%m/%Y}) n'est pas de l'année "
                        f"{ligne.date_debut.year} ; une correction remplace une ligne de sa propre année civile.",
                    )
                )
            elif ligne.remplace not in debuts:
                erreurs.append(
                    _erreur(
                        prefixe,
                        "remplace",
                        "ligne_remplacee_introuvable",
                        f"aucune ligne du CIR de l'agent ne commence le {ligne.remplace:%d/%m/%Y} ; indiquez la "
                        "date de début de la ligne à corriger, telle que le CIR la montre.",
                    )
                )
        remplacees = lignes_remplacees(ligne)
        for autre in self.periodes:
            if autre.date_debut in remplacees:
                continue
            if autre.date_debut <= ligne.date_fin and autre.date_fin >= ligne.date_debut:
                erreurs.append(
                    _erreur(
                        prefixe,
                        "date_debut",
                        "chevauchement",
                        f"la période du {ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} chevauche "
                        f"celle du {autre.date_debut:%d/%m/%Y} au {autre.date_fin:%d/%m/%Y} déjà au CIR ; "
                        "corrigez cette ligne (« Corriger », ou « remplace » : sa date de début) plutôt que d'en "
                        "ajouter une autre.",
                    )
                )
                break
        return erreurs

    def apres(self, ligne: LigneCir) -> CirDeLAgent:
        """The CIR once ``ligne`` is written (checked before)."""
        remplacees = lignes_remplacees(ligne)
        reste = [p for p in self.periodes if p.date_debut not in remplacees]
        periodes = sorted([*reste, Periode(ligne.date_debut, ligne.date_fin)], key=lambda p: p.date_debut)
        return replace(self, periodes=periodes)

    def controler(self, lignes: Sequence[LigneCir], en_liste: bool = False) -> list[Periode]:
        """``lignes`` written in order, each over the CIR the ones before it leave: ``Refus`` naming every rule
        each line breaks (as ``corrections.N.champ`` when ``en_liste``: a task's corrections), or the agent's
        periods once all are written."""
        cir = self
        erreurs: list[ErreurChamp] = []
        for i, ligne in enumerate(lignes):
            fautes = cir.erreurs_d_ecriture(ligne, f"corrections.{i}." if en_liste else "")
            if fautes:
                erreurs += fautes
            else:
                cir = cir.apres(ligne)
        if erreurs:
            raise refus(erreurs)
        return list(cir.periodes)


def controler_corrections(
    corrections: Sequence[LigneCir],
    existantes: Sequence[Periode],
    date_de_naissance: date,
    aujourd_hui: date,
    projetee: bool = False,
) -> list[Periode]:
    """A task's corrections, written in order over the agent's CIR: ``Refus`` naming each line in error
    (``corrections.N.champ``), or the agent's periods once all are written."""
    return CirDeLAgent(existantes, date_de_naissance, aujourd_hui, projetee).controler(corrections, en_liste=True)


def periodes_non_couvertes(periodes: Sequence[Periode], debut: date, fin: date) -> list[Periode]:
    """The days from ``debut`` to ``fin`` that none of ``periodes`` covers, as periods (in order)."""
    manques: list[Periode] = []
    jour = debut
    for periode in sorted(periodes, key=lambda p: p.date_debut):
        if periode.date_debut > fin:
            break
        if periode.date_debut > jour:
            manques.append(Periode(jour, periode.date_debut - timedelta(days=1)))
        jour = max(jour, periode.date_fin + timedelta(days=1))
    if jour <= fin:
        manques.append(Periode(jour, fin))
    return manques


def chevauchements(periodes: Sequence[Periode]) -> list[tuple[Periode, Periode]]:
    """The pairs of periods that overlap (for the checks of the whole CIR)."""
    triees = sorted(periodes, key=lambda p: (p.date_debut, p.date_fin))
    return [(a, b) for a, b in itertools.pairwise(triees) if b.date_debut <= a.date_fin]
