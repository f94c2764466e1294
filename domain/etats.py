"""The states of the processes and of their human tasks: stable stored values, in named groups.

Each value is stored as it is written here (a member's value is its name), so renaming one is a data
migration.
"""

from __future__ import annotations

from enum import StrEnum

Role = StrEnum("Role", "affilie employeur superviseur")
ProfilEmployeur = StrEnum("ProfilEmployeur", "admin utilisateur")
# Who acts (or must act next) in a process.
Acteur = StrEnum("Acteur", "affilie employeur superviseur cnracl")

EtapeEir = StrEnum("EtapeEir", "enregistrement preparation realisation cloture")
EtatEir = StrEnum(
    "EtatEir",
    "enregistree attente_notification_employeur verification_employeur ris_disponible consolidation_employeur "
    "simulations_en_cours bilan_disponible enquete_envoyee close retiree incident annulee expiree sans_objet",
)
# ``expiree``: ended by a deadline (overall delay, an answer never given); ``sans_objet``: the agent retired or died.
ETATS_EIR_TERMINES = frozenset({EtatEir.close, EtatEir.retiree, EtatEir.annulee, EtatEir.expiree, EtatEir.sans_objet})
ETATS_EIR_OUVERTS = frozenset(EtatEir) - ETATS_EIR_TERMINES

TypeTache = StrEnum(
    "TypeTache",
    "verification_carriere_eir consolidation_eir correction_cir_rectification obtention_donnees_rectification "
    "transmission_donnees_rectification certificats_services_validation decision_validation maj_cir_campagne "
    "incident",
)
# A process stopped on a failed step (see domain.processus.Incident): the data break a rule (``metier``: someone
# must correct them) or a component keeps failing (``technique``: retried on its own).
TypeIncident = StrEnum("TypeIncident", "metier technique")
# ``close_date_limite``: a campaign task left unanswered at its employer's cut-off, closed (kept, not deleted).
EtatTache = StrEnum("EtatTache", "ouverte terminee annulee close_date_limite")

TypeDocument = StrEnum("TypeDocument", "ris bilan eig")
# ``refuse``: the mail server refused the recipient for good (a 5xx, or temporary refusals past their bound): never
# sent again; a campaign sends that agent's document on paper. ``rebondi``: the server accepted it, and it came back
# later (a delivery status notification reported to the campaign): the same switch to paper.
EtatMail = StrEnum("EtatMail", "a_envoyer envoye incident refuse rebondi")
