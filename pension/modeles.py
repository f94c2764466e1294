"""The calculation contract (DESIGN §5): a case in, a result out, a clear French error otherwise.

Representation choices:

* dates are ``datetime.date`` (ISO strings in JSON);
* ages are ``Age`` ``{"ans": 62, "mois": 3}`` (whole years and months);
* amounts are ``float`` euros with 2 decimals, rounded once from exact decimal arithmetic
  (see ``parametres/arrondi_euros.yaml``: to the nearest cent, half up; the monthly pension is the rounded
  annual amount divided by 12 and rounded again);
* rates (``taux_de_liquidation``, ``taux_decote``, ``taux_surcote``, ``coefficient``) are fractions
  (0.75 = 75 %) rounded to 6 decimals for display; the amounts are computed from the exact values.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CHAMPS = {
    "date_de_naissance": "la date de naissance",
    "date_de_liquidation": "la date d'effet de la pension",
    "date_de_situation": "la date de situation",
    "categorie": "la catégorie",
    "trimestres_services": "le nombre de trimestres de services",
    "duree_services_jours": "la durée des services en jours",
    "periodes": "les périodes de services",
    "debut": "le début de la période",
    "fin": "la fin de la période",
    "quotite": "la quotité",
    "nature": "la nature de la période",
    "trimestres_bonifications": "les trimestres de bonification",
    "duree_assurance_autres_regimes": "la durée d'assurance dans les autres régimes",
    "duree_assurance_tous_regimes": "la durée d'assurance tous régimes",
    "indice_majore": "l'indice majoré",
    "traitement_indiciaire_brut_annuel": "le traitement indiciaire brut annuel",
    "nombre_enfants": "le nombre d'enfants",
    "enfants": "les enfants",
    "carriere_longue": "la carrière longue",
    "duree_cotisee": "la durée cotisée",
    "trimestres_fin_annee": "les trimestres validés en début de carrière",
    "trimestres_services_actifs": "les trimestres de services actifs",
    "surcotisation": "la surcotisation du temps partiel",
    "rachat_etudes": "le rachat d'études",
    "trimestres": "le nombre de trimestres",
    "option": "l'option du rachat",
    "date_de_demande": "la date de la demande de rachat",
    "fin_des_etudes": "la date de fin des études",
    "revenus_activite_annuels": "les revenus d'activité annuels",
    "taux_invalidite": "le taux d'invalidité",
    "bonifications": "les bonifications",
    "type": "le type de bonification",
    "services_trimestres": "les trimestres de services ouvrant la bonification",
    "campagne": "le genre de campagne",
    "fonction_publique": "la fonction publique",
    "periodes_reputees_cotisees": "les périodes réputées cotisées",
    "trimestres_services_actifs_avant_2011": "les trimestres de services actifs accomplis avant le 01/07/2011",
}

MESSAGES = {
    "missing": ("obligatoire", "{champ} est obligatoire : ajoutez ce champ."),
    "extra_forbidden": (
        "champ_inconnu",
        "Le champ « {nom} » n'existe pas dans un cas de pension : retirez-le ou corrigez son nom.",
    ),
    "date_from_datetime_parsing": (
        "format_date",
        "{champ} doit être une date au format AAAA-MM-JJ (par exemple 1962-04-15).",
    ),
    "date_from_datetime_inexact": ("format_date", "{champ} doit être une date sans heure, au format AAAA-MM-JJ."),
    "date_parsing": ("format_date", "{champ} doit être une date au format AAAA-MM-JJ (par exemple 1962-04-15)."),
    "date_type": ("format_date", "{champ} doit être une date au format AAAA-MM-JJ (par exemple 1962-04-15)."),
    "int_parsing": ("nombre_entier", "{champ} doit être un nombre entier."),
    "int_type": ("nombre_entier", "{champ} doit être un nombre entier."),
    "int_from_float": ("nombre_entier", "{champ} doit être un nombre entier (sans décimales)."),
    "float_parsing": ("nombre", "{champ} doit être un nombre."),
    "float_type": ("nombre", "{champ} doit être un nombre."),
    "bool_parsing": ("booleen", "{champ} doit valoir true ou false."),
    "bool_type": ("booleen", "{champ} doit valoir true ou false."),
    "list_type": ("liste", "{champ} doit être une liste."),
    "dict_type": ("objet", "{champ} doit être un objet JSON."),
    "model_type": ("objet", "{champ} doit être un objet JSON."),
    "string_type": ("texte", "{champ} doit être un texte."),
    "greater_than_equal": (
        "valeur_negative",
        "{champ} ne peut pas être négatif : indiquez une valeur positive ou nulle.",
    ),
    "greater_than": (
        "valeur_positive",
        "{champ} doit être strictement positif : indiquez une valeur supérieure à zéro.",
    ),
    "less_than_equal": (
        "valeur_maximum",
        "{champ} dépasse la valeur maximale ({limite}) : indiquez une valeur au plus égale.",
    ),
}


class ErreurCas(ValueError):
    """Bad input: ``erreurs`` lists ``{"champ", "regle", "message"}``, the message in French."""

    def __init__(self, erreurs: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{erreur['champ']} : {erreur['message']}" for erreur in erreurs))
        self.erreurs = erreurs

    @classmethod
    def une(cls, champ: str, regle: str, message: str) -> ErreurCas:
        return cls([{"champ": champ, "regle": regle, "message": message}])

    @classmethod
    def depuis_validation(cls, erreur: ValidationError) -> ErreurCas:
        erreurs = []
        for detail in erreur.errors():
            chemin = [str(partie) for partie in detail["loc"]]
            champ = ".".join(chemin) or "cas"
            nom = next((partie for partie in reversed(chemin) if not partie.isdigit()), "cas")
            libelle = CHAMPS.get(nom, f"le champ {nom}")
            if detail["type"] == "value_error":
                erreur_metier = detail.get("ctx", {}).get("error")
                if isinstance(erreur_metier, RegleCas):
                    champ = ".".join([*chemin, erreur_metier.champ]) if erreur_metier.champ else champ
                    erreurs.append({"champ": champ, "regle": erreur_metier.regle, "message": erreur_metier.message})
                    continue
                regle, message = "valeur_invalide", str(detail["msg"]).removeprefix("Value error, ")
            elif detail["type"] == "literal_error":
                possibles = str(detail.get("ctx", {}).get("expected", "")).replace(" or ", " ou ")
                regle, message = (
                    "valeur_inconnue",
                    (
                        f"{libelle[0].upper()}{libelle[1:]} ({detail.get('input')!r}) n'est "
                        f"pas reconnue : valeurs possibles {possibles}."
                    ),
                )
            elif detail["type"] in MESSAGES:
                regle, modele = MESSAGES[detail["type"]]
                limite = detail.get("ctx", {}).get("le", "")
                limite = f"{limite:g}" if isinstance(limite, (int, float)) else limite
                message = modele.format(champ=libelle[0].upper() + libelle[1:], limite=limite, nom=nom)
            else:
                regle, message = detail["type"], f"{libelle} est invalide ({detail['msg']})."
            erreurs.append({"champ": champ, "regle": regle, "message": message})
        return cls(erreurs)


class RegleCas(ValueError):
    """A business check inside a model validator (converted by ``ErreurCas.depuis_validation``)."""

    def __init__(self, champ: str, regle: str, message: str) -> None:
        super().__init__(message)
        self.champ, self.regle, self.message = champ, regle, message


class Modele(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @classmethod
    def lire(cls, donnees: Self | dict[str, Any], champ: str, sujet: str) -> Self:
        """The validated input; pydantic errors become an ``ErreurCas`` with French messages. ``champ`` and
        ``sujet`` name the whole input (« cas », « Le cas ») when it is not an object."""
        if isinstance(donnees, cls):
            return donnees
        if not isinstance(donnees, dict):
            raise ErreurCas.une(champ, "objet", f"{sujet} doit être un objet JSON (des champs entre accolades).")
        try:
            return cls.model_validate(donnees)
        except ValidationError as erreur:
            raise ErreurCas.depuis_validation(erreur) from None


class Periode(Modele):
    """A period of services, both ends included, at a quotité (% of full time).

    ``nature`` (the CIR vocabulary, see ``parametres/natures_de_periode.yaml``): ``titulaire`` (default),
    ``stagiaire``, ``detachement``, ``services_militaires`` (effective services at the quotité),
    ``non_titulaire_valide`` (validated services: liquidation and durée d'assurance, not the 2-year minimum),
    ``temps_partiel_enfant`` and ``conge_parental`` (free, full time, from 2004), ``disponibilite`` (not counted).
    ``surcotisation``: part time with the retenue paid on the full-time traitement (counted at full time for the
    liquidation from 2004, within a cap: ``parametres/surcotisation_temps_partiel.yaml``).
    """

    debut: date
    fin: date
    quotite: float = Field(default=100, ge=0, le=100)
    nature: Literal[
        "titulaire",
        "stagiaire",
        "detachement",
        "services_militaires",
        "non_titulaire_valide",
        "temps_partiel_enfant",
        "conge_parental",
        "disponibilite",
    ] = "titulaire"
    surcotisation: bool = False

    @model_validator(mode="after")
    def _ordre(self) -> Periode:
        if self.fin < self.debut:
            raise RegleCas(
                "fin",
                "periode_ordonnee",
                f"La période se termine le {self.fin:%d/%m/%Y}, avant son début le {self.debut:%d/%m/%Y} : "
                "corrigez les dates de début et de fin.",
            )
        return self


class Enfant(Modele):
    """A child. ``interruption_activite``: interruption of at least 2 continuous months (or part time of
    droit for at least 4 months at 50 %, 5 at 60 %, 7 at 70 %) — opens the bonification for children born
    before 2004. ``interruption_mois``: months of interruption or reduction of activity for a child born
    from 2004, counted free in the services (capped). ``accouchement_apres_recrutement``: the agent gave
    birth after recruitment (majoration de durée d'assurance for children born from 2004).
    ``mois_education_handicap``: months raising the child with a disability ≥ 80 % before age 20.
    ``eleve``: raised at least 9 years before age 16 (counts for the majoration for 3+ children)."""

    date_de_naissance: date
    interruption_activite: bool = False
    interruption_mois: int = Field(default=0, ge=0)
    accouchement_apres_recrutement: bool = False
    mois_education_handicap: int = Field(default=0, ge=0)
    eleve: bool = True


class CarriereLongue(Modele):
    """Data for an early departure (carrière longue): trimestres validated at the end of the civil year of
    given birthdays (keys: ages 16, 17, 18, 20, 21) and the durée cotisée (cotisés and réputés cotisés, all
    regimes, bonifications for children excluded); ``periodes_reputees_cotisees``: trimestres by nature (slide 49),
    added within their caps."""

    trimestres_fin_annee: dict[int, int] = Field(default_factory=dict)
    duree_cotisee: int = Field(ge=0)
    periodes_reputees_cotisees: dict[
        Literal["maladie", "service_national", "maternite", "invalidite", "chomage", "penibilite"], int
    ] = Field(default_factory=dict)

    @field_validator("periodes_reputees_cotisees")
    @classmethod
    def _reputees_positives(cls, periodes: dict[str, int]) -> dict[str, int]:
        for nature, nombre in periodes.items():
            if nombre < 0:
                raise RegleCas(
                    nature,
                    "valeur_negative",
                    "Les trimestres réputés cotisés ne peuvent pas être négatifs : indiquez 0 ou plus.",
                )
        return periodes

    @field_validator("trimestres_fin_annee")
    @classmethod
    def _positifs(cls, trimestres: dict[int, int]) -> dict[int, int]:
        for age, nombre in trimestres.items():
            if nombre < 0 or age < 0:
                raise RegleCas(
                    str(age),
                    "valeur_negative",
                    "Les âges et les nombres de trimestres de début de carrière ne peuvent pas être négatifs.",
                )
        return trimestres


class RachatEtudes(Modele):
    """Trimestres of higher studies bought back (``parametres/rachat_etudes_options.yaml``): ``option`` 1 counts
    them in the liquidation, 2 in the durée d'assurance, 3 in both. ``date_de_demande``: the day the purchase is
    asked, which sets the age of the cost scale (for ``simuler``: defaults to the date de situation, else the
    pension's effect date). ``fin_des_etudes``: the day the studies ended (a request within 10 years gets the
    abattement forfaitaire, ``parametres/rachat_etudes_abattement.yaml``)."""

    trimestres: int
    option: Literal[1, 2, 3]
    date_de_demande: date | None = None
    fin_des_etudes: date | None = None


class DemandeRachat(Modele):
    """A quote of the cost of a rachat d'études: the agent's birth date, the day of the request, the trimestres and
    the option, the traitement held on that day (indice majoré or traitement indiciaire brut annuel), and the end
    of the studies when the request follows them within 10 years."""

    date_de_naissance: date
    date_de_demande: date
    trimestres: int
    option: Literal[1, 2, 3]
    fin_des_etudes: date | None = None
    indice_majore: int | None = Field(default=None, ge=1)
    traitement_indiciaire_brut_annuel: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _traitement(self) -> DemandeRachat:
        if self.date_de_demande <= self.date_de_naissance:
            raise RegleCas(
                "date_de_demande",
                "date_apres_naissance",
                f"La date de la demande de rachat ({self.date_de_demande:%d/%m/%Y}) précède la naissance : "
                "corrigez l'une des deux dates.",
            )
        if self.indice_majore is None and self.traitement_indiciaire_brut_annuel is None:
            raise RegleCas(
                "indice_majore",
                "traitement_obligatoire",
                "Indiquez l'indice majoré détenu à la date de la demande (indice_majore) ou le traitement indiciaire "
                "brut annuel (traitement_indiciaire_brut_annuel) : le coût du rachat en dépend.",
            )
        return self


class Bonification(Modele):
    """A bonification of art. 15. The engine computes it from the services that earn it
    (``services_trimestres``): ``hors_europe`` (a third), ``sapeurs_pompiers`` (a fifth, capped), ``egouts`` (half of
    the services in the sewers' underground networks, capped),
    ``campagnes_militaires`` (the duration counted again by ``campagne``: demi, simple, simple_et_demie, double);
    ``autre`` takes ``trimestres`` as given."""

    type: Literal["hors_europe", "sapeurs_pompiers", "egouts", "campagnes_militaires", "autre"]
    services_trimestres: int | None = Field(default=None, ge=0)
    trimestres: int | None = Field(default=None, ge=0)
    campagne: Literal["demi", "simple", "simple_et_demie", "double"] = "simple"

    @model_validator(mode="after")
    def _forme(self) -> Bonification:
        if self.type == "autre" and self.trimestres is None:
            raise RegleCas(
                "trimestres",
                "obligatoire",
                "Une bonification de type « autre » se donne en trimestres (trimestres) : ajoutez ce champ.",
            )
        if self.type != "autre" and self.services_trimestres is None:
            raise RegleCas(
                "services_trimestres",
                "obligatoire",
                "Indiquez la durée des services qui ouvrent cette bonification, en trimestres (services_trimestres) "
                ": la bonification en est calculée.",
            )
        return self


class CasPension(Modele):
    """A pension case. Services: one of ``periodes``, ``trimestres_services`` or ``duree_services_jours``.
    ``trimestres_services_actifs_avant_2011``: active services accomplished before the 2011 raise by an agent who then
    left the active category (integrated into a sedentary corps or radiated): keeps the ages of then (slide 27).
    ``categorie`` ``super_active`` (sewers' underground networks, identification and treatment of bodies): its own
    ages, and ``trimestres_services_actifs`` then counts the super-active services its duration condition checks.
    ``date_de_situation``: the date the services are known up to (for ``estimer``; defaults to the day after
    the last period)."""

    date_de_naissance: date
    date_de_liquidation: date | None = None
    date_de_situation: date | None = None
    categorie: Literal["sedentaire", "active", "super_active"] = "sedentaire"
    trimestres_services: int | None = Field(default=None, ge=0)
    duree_services_jours: int | None = Field(default=None, ge=0)
    periodes: list[Periode] | None = None
    trimestres_services_actifs: int | None = Field(default=None, ge=0)
    trimestres_services_actifs_avant_2011: int | None = Field(default=None, ge=0)
    trimestres_bonifications: int = Field(default=0, ge=0)
    bonifications: list[Bonification] = Field(default_factory=list)
    duree_assurance_autres_regimes: int = Field(default=0, ge=0)
    duree_assurance_tous_regimes: int | None = Field(default=None, ge=0)
    indice_majore: int | None = Field(default=None, ge=1)
    traitement_indiciaire_brut_annuel: float | None = Field(default=None, gt=0)
    nombre_enfants: int | None = Field(default=None, ge=0)
    enfants: list[Enfant] = Field(default_factory=list)
    invalidite: bool = False
    taux_invalidite: float | None = Field(default=None, ge=0, le=100)
    handicap: bool = False
    carriere_longue: CarriereLongue | None = None
    rachat_etudes: RachatEtudes | None = None
    revenus_activite_annuels: float | None = Field(default=None, ge=0)
    fonction_publique: Literal["territoriale", "hospitaliere"] = "territoriale"

    @model_validator(mode="after")
    def _coherence(self) -> CasPension:
        for champ in ("date_de_liquidation", "date_de_situation"):
            jour = getattr(self, champ)
            if jour is not None and jour <= self.date_de_naissance:
                raise RegleCas(
                    champ,
                    "date_apres_naissance",
                    f"{CHAMPS[champ][0].upper()}{CHAMPS[champ][1:]} ({jour:%d/%m/%Y}) précède la naissance "
                    f"({self.date_de_naissance:%d/%m/%Y}) : corrigez l'une des deux dates.",
                )
        if self.indice_majore is None and self.traitement_indiciaire_brut_annuel is None:
            raise RegleCas(
                "indice_majore",
                "traitement_obligatoire",
                "Indiquez l'indice majoré détenu depuis au moins 6 mois (indice_majore) ou le traitement "
                "indiciaire brut annuel (traitement_indiciaire_brut_annuel) : la pension en dépend.",
            )
        formes = [
            champ
            for champ in ("periodes", "trimestres_services", "duree_services_jours")
            if getattr(self, champ) is not None
        ]
        if not formes:
            raise RegleCas(
                "periodes",
                "services_obligatoires",
                "Indiquez les services : une liste de periodes, ou trimestres_services, ou duree_services_jours.",
            )
        if len(formes) > 1:
            raise RegleCas(
                formes[1],
                "services_une_seule_forme",
                f"Les services sont donnés deux fois ({' et '.join(formes)}) : n'en gardez qu'une forme.",
            )
        if self.taux_invalidite is not None and not self.invalidite:
            raise RegleCas(
                "taux_invalidite",
                "taux_invalidite_sans_invalidite",
                "Le taux d'invalidité ne s'applique qu'à une retraite pour invalidité : ajoutez invalidite: true "
                "ou retirez taux_invalidite.",
            )
        for rang, periode in enumerate(self.periodes or []):
            if periode.debut < self.date_de_naissance:
                raise RegleCas(
                    f"periodes.{rang}.debut",
                    "periode_apres_naissance",
                    f"La période commençant le {periode.debut:%d/%m/%Y} précède la naissance : corrigez son début.",
                )
        for rang, enfant in enumerate(self.enfants):
            if enfant.date_de_naissance <= self.date_de_naissance:
                raise RegleCas(
                    f"enfants.{rang}.date_de_naissance",
                    "enfant_apres_parent",
                    "L'enfant serait né avant son parent : corrigez sa date de naissance.",
                )
        if self.nombre_enfants is not None and self.nombre_enfants < len(self.enfants):
            raise RegleCas(
                "nombre_enfants",
                "nombre_enfants_coherent",
                f"Le nombre d'enfants ({self.nombre_enfants}) est inférieur au nombre d'enfants décrits "
                f"({len(self.enfants)}) : corrigez l'un ou l'autre.",
            )
        return self


class Age(BaseModel):
    """An age in whole years and months, e.g. ``{"ans": 62, "mois": 3}``."""

    ans: int
    mois: int

    def __str__(self) -> str:
        return f"{self.ans} ans" + (f" {self.mois} mois" if self.mois else "")


class Reference(BaseModel):
    titre: str
    url: str


class Regle(BaseModel):
    """One applied rule: stable id, French label, the value used and its legal reference."""

    regle: str
    libelle: str
    valeur: Any
    reference: Reference


class ResultatPension(BaseModel):
    date_de_liquidation: date
    categorie_retenue: Literal["sedentaire", "active", "super_active"]
    date_ouverture_droits: date
    age_ouverture_droits: Age
    depart_anticipe: str | None = Field(
        description="« carriere_longue » ou « invalidite » quand le départ précède l'âge légal"
    )
    age_annulation_decote: Age
    date_annulation_decote: date
    limite_age: Age
    trimestres_requis: int
    trimestres_services: int
    trimestres_bonifications: int
    trimestres_liquidables: int
    duree_assurance_tous_regimes: int
    taux_de_liquidation: float
    decote_trimestres: int
    taux_decote: float
    surcote_trimestres: int
    surcote_parentale_trimestres: int
    taux_surcote: float
    coefficient: float
    traitement_de_reference_annuel: float
    pension_avant_minimum: float
    minimum_garanti: float | None
    minimum_garanti_applique: bool
    majoration_enfants: float
    pension_brute_annuelle: float
    pension_brute_mensuelle: float
    plafond_cumul_emploi_retraite_annuel: float | None = Field(
        description="plafond des revenus d'activité par année civile ; absent quand le cumul est libre"
    )
    cumul_libre: bool
    ecretement_annuel: float | None = Field(
        description="réduction annuelle de la pension pour les revenus d'activité donnés (revenus_activite_annuels)"
    )
    cout_rachat_etudes: float | None = Field(description="coût du rachat d'études demandé (rachat_etudes)")
    explication: list[Regle]


class CoutRachat(BaseModel):
    """The quote of a rachat d'études: cost per trimestre and in all, from the dated scale."""

    date_de_demande: date
    age: int
    trimestres: int
    option: int
    taux_par_trimestre: float
    traitement_indiciaire_brut_annuel: float
    cout_par_trimestre: float
    abattement: float
    cout_rachat_etudes: float
    explication: list[Regle]


class PointEstimation(BaseModel):
    libelle: str
    age: Age
    date_de_liquidation: date
    trimestres_liquidables: int
    duree_assurance_tous_regimes: int
    taux_de_liquidation: float
    coefficient: float
    pension_brute_annuelle: float
    pension_brute_mensuelle: float


class Estimation(BaseModel):
    hypothese: str
    date_de_situation: date
    points: list[PointEstimation]
