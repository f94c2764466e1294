"""The mail templates a supervisor sees listed: each template folder's French title (what the mail says, to whom).
The folder's name stays a code, used only in addresses; a person reads the title."""

from __future__ import annotations

TITRES = {
    # the retirement information interview (EIR)
    "accuse_reception": "Accusé de réception de la demande d'entretien (à l'agent)",
    "contacter_employeur": "Invitation à contacter son employeur (à l'agent)",
    "notification_employeur": "Vérification de carrière demandée (à l'employeur)",
    "relance_employeur": "Relance de la vérification de carrière (à l'employeur)",
    "escalade_superviseur": "Tâche en retard signalée (aux superviseurs)",
    "ris_disponible": "Relevé individuel de situation disponible (à l'agent)",
    "consolidation_employeur": "Consolidation de carrière demandée (à l'employeur)",
    "ris_consolide": "Relevé individuel de situation mis à jour (à l'agent)",
    "bilan_disponible": "Bilan personnalisé disponible (à l'agent)",
    "cloture_enquete": "Clôture de l'entretien et enquête de satisfaction (à l'agent)",
    "retrait_confirme": "Confirmation du retrait de la demande (à l'agent)",
    "eir_annulee": "Annulation de l'entretien (à l'agent)",
    "tache_annulee": "Tâche annulée (à l'employeur)",
    "eir_fin_delai_global": "Entretien clos : délai de traitement dépassé (à l'agent)",
    "eir_fin_ris_sans_reponse": "Entretien clos : relevé non validé dans le délai (à l'agent)",
    "eir_fin_tache_sans_reponse": "Entretien clos : l'employeur n'a pas répondu (à l'agent)",
    "eir_fin_retraite": "Entretien clos : départ à la retraite (à l'agent)",
    # rectifications
    "rectification_enregistree": "Demande de rectification enregistrée (à l'agent)",
    "rectification_correction_cir_rectification": "Période du CIR à corriger (à l'employeur)",
    "rectification_obtention_donnees_rectification": "Données à obtenir de l'ancien employeur (à l'employeur actuel)",
    "rectification_transmission_donnees_rectification": "Données de carrière à transmettre (à l'ancien employeur)",
    "rectification_relance": "Relance de la correction de carrière (à l'employeur)",
    "rectification_escalade": "Rectification en retard signalée (aux superviseurs)",
    "rectification_autre_regime": "Orientation vers un autre régime (à l'agent)",
    "document_rectifie": "Document rectifié disponible (à l'agent)",
    "rectification_aucune_erreur": "Aucune erreur constatée par l'employeur (à l'agent)",
    "rectification_annulee": "Annulation de la demande de rectification (à l'agent)",
    "rectification_retiree": "Confirmation du retrait de la demande de rectification (à l'agent)",
    "rectification_fin_delai_global": "Rectification close : délai de traitement dépassé (à l'agent)",
    "rectification_fin_tache_sans_reponse": "Rectification close : l'employeur n'a pas répondu (à l'agent)",
    "rectification_fin_retraite": "Rectification close : départ à la retraite (à l'agent)",
    # validation of services
    "validation_demande_recue": "Demande de validation de services enregistrée (à l'agent)",
    "validation_certificats_employeur": "Certificats de services à transmettre (à l'employeur)",
    "validation_relance": "Relance des certificats de services (à l'employeur)",
    "validation_escalade": "Validation de services en retard signalée (aux superviseurs)",
    "validation_decision_attendue": "Décision de validation attendue (aux superviseurs)",
    "validation_decision_agent": "Décision de validation de services (à l'agent)",
    "validation_decision_employeur": "Décision de validation de services (à l'employeur)",
    "validation_rappel_agent": "Rappel du délai de demande de validation (à l'agent)",
    "validation_rappel_employeur": "Rappel du délai de demande de validation (à l'employeur)",
    "validation_forclusion": "Délai de demande de validation expiré (à l'agent)",
    "validation_decision_relance": "Relance de la décision de validation attendue (aux superviseurs)",
    "validation_sans_decision": "Dossier de validation clos sans décision dans le délai (à l'agent)",
    "validation_annulee": "Dossier de validation annulé par un superviseur (à l'agent)",
    "validation_fin_retraite": "Dossier de validation clos : départ à la retraite (à l'agent)",
    # the yearly campaign of the right to information
    "campagne_lancement_employeur": "Lancement de la campagne du droit à l'information (à l'employeur)",
    "campagne_rappel_employeur": "Rappel de la campagne du droit à l'information (à l'employeur)",
    "campagne_retardataires": "Employeurs en retard à la date limite de la campagne (aux superviseurs)",
    "campagne_relance_apres_limite": "Relance après la date limite de la campagne, tâches closes (à l'employeur)",
    "campagne_document_disponible": "Document du droit à l'information disponible (à l'agent)",
    "campagne_document_renvoye": "Nouvelle version d'un document du droit à l'information (à l'agent)",
    # accounts
    "compte_cree": "Création d'un compte de l'espace employeur (au titulaire)",
    "identifiant_rappele": "Rappel de l'identifiant (au titulaire du compte)",
    "code_regenere": "Nouveau code confidentiel (au titulaire du compte)",
}


def titre(evenement: str) -> str:
    """The template's title; a template added without one is named as a template, never by its folder's code."""
    return TITRES.get(evenement, "Modèle de courriel sans titre")
