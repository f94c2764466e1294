"""The states of the processes and of their human tasks: stable stored values, in named groups."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    affilie = "affilie"
    employeur = "employeur"
    superviseur = "superviseur"


class ProfilEmployeur(StrEnum):
    admin = "admin"
    utilisateur = "utilisateur"


class Acteur(StrEnum):
    """Who acts (or must act next) in a process."""

    affilie = "affilie"
    employeur = "employeur"
    superviseur = "superviseur"
    cnracl = "cnracl"


class EtapeEir(StrEnum):
    enregistrement = "enregistrement"
    preparation = "preparation"
    realisation = "realisation"
    cloture = "cloture"


class EtatEir(StrEnum):
    enregistree = "enregistree"
    attente_notification_employeur = "attente_notification_employeur"
    verification_employeur = "verification_employeur"
    ris_disponible = "ris_disponible"
    consolidation_employeur = "consolidation_employeur"
    simulations_en_cours = "simulations_en_cours"
    bilan_disponible = "bilan_disponible"
    enquete_envoyee = "enquete_envoyee"
    close = "close"
    retiree = "retiree"

    @property
    def est_termine(self) -> bool:
        return self in ETATS_EIR_TERMINES


ETATS_EIR_TERMINES = frozenset({EtatEir.close, EtatEir.retiree})
ETATS_EIR_OUVERTS = frozenset(EtatEir) - ETATS_EIR_TERMINES


class TypeTache(StrEnum):
    verification_carriere_eir = "verification_carriere_eir"
    consolidation_eir = "consolidation_eir"
    correction_cir_rectification = "correction_cir_rectification"
    obtention_donnees_rectification = "obtention_donnees_rectification"
    transmission_donnees_rectification = "transmission_donnees_rectification"
    certificats_services_validation = "certificats_services_validation"
    decision_validation = "decision_validation"
    maj_cir_campagne = "maj_cir_campagne"


class EtatTache(StrEnum):
    ouverte = "ouverte"
    terminee = "terminee"
    annulee = "annulee"


class TypeDocument(StrEnum):
    ris = "ris"
    bilan = "bilan"
    eig = "eig"


class EtatMail(StrEnum):
    a_envoyer = "a_envoyer"
    envoye = "envoye"
