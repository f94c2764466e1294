"""French words for the stored values shown on the pages, and for the fields of the forms and JSON bodies."""

from __future__ import annotations

import re

from domain.etats import EtapeEir

ETATS = {
    # EIR
    "enregistree": "Demande enregistrée",
    "attente_notification_employeur": "Transmission à l'employeur en préparation",
    "verification_employeur": "Vérification de la carrière par l'employeur",
    "ris_disponible": "Relevé de situation à valider",
    "consolidation_employeur": "Consolidation du relevé par l'employeur",
    "simulations_en_cours": "Calcul du bilan en cours",
    "bilan_disponible": "Bilan disponible",
    "enquete_envoyee": "Enquête de satisfaction ouverte",
    "close": "Entretien terminé",
    "retiree": "Retirée",
    # every process
    "incident": "Arrêtée sur un incident",
    # rectifications
    "transmission_ancien_employeur": "Données demandées à l'ancien employeur",
    "correction_employeur": "Correction par l'employeur",
    "document_rectifie": "Document rectifié",
    "orientee_autre_regime": "Orientée vers un autre régime",
    # validation of services
    "instruction_employeur": "Certificats de services attendus des employeurs",
    "decision_superviseur": "Décision de la CNRACL attendue",
    "acceptee": "Validation acceptée",
    "rejetee": "Validation rejetée",
    "forclose": "Délai de demande expiré (forclos)",
    "sans_decision": "Clos sans décision dans le délai",
    # tasks
    "ouverte": "Ouverte",
    "terminee": "Terminée",
    "annulee": "Annulée",
}

ETAPES = {
    "enregistrement": "Enregistrement",
    "preparation": "Préparation de l'entretien",
    "realisation": "Réalisation",
    "cloture": "Clôture",
}
ORDRE_ETAPES = [etape.value for etape in EtapeEir]  # the steps in the order of the process

ACTEURS = {
    "affilie": "l'agent",
    "employeur": "l'employeur",
    "superviseur": "un superviseur de la CNRACL",
    "cnracl": "le traitement automatique de la CNRACL",  # read after « par », and inside parentheses
}

TYPES_TACHE = {
    "verification_carriere_eir": "Vérification de carrière (EIR)",
    "consolidation_eir": "Consolidation du relevé (EIR)",
    "correction_cir_rectification": "Correction du CIR (rectification)",
    "obtention_donnees_rectification": "Données de l'ancien employeur (rectification)",
    "transmission_donnees_rectification": "Transmission de données (rectification)",
    "certificats_services_validation": "Certificats de services (validation)",
    "decision_validation": "Décision de validation de services",
    "maj_cir_campagne": "Mise à jour du CIR (campagne DAI)",
    "incident": "Incident à traiter (processus arrêté)",
}

# The engine's own state of a workflow (Temporal's execution status), for the supervisor's detail page.
STATUTS_MOTEUR = {
    "RUNNING": "en cours",
    "COMPLETED": "terminé",
    "FAILED": "en échec",
    "CANCELED": "annulé",
    "TERMINATED": "arrêté de force",
    "CONTINUED_AS_NEW": "poursuivi dans une nouvelle exécution",
    "TIMED_OUT": "délai dépassé",
}

TYPES_PROCESSUS = {
    "eir": "Entretien information retraite",
    "rectification": "RIS/EIG rectificatif",
    "validation": "Validation de services",
}

EVENEMENTS = {
    "demande_enregistree": "Demande enregistrée",
    "accuse_reception": "Accusé de réception envoyé",
    "preparation_commencee": "Préparation commencée",
    "notification_employeur": "Employeur informé",
    "tache_creee": "Tâche créée pour l'employeur",
    "tache_terminee": "Tâche terminée par l'employeur",
    "reponse_refusee": "Réponse refusée : le CIR avait changé, la tâche reste ouverte",
    "tache_annulee": "Tâche annulée",
    "relance_employeur": "Employeur relancé",
    "escalade_superviseur": "Signalé aux superviseurs",
    "ris_disponible": "Relevé de situation disponible",
    "ris_consolide": "Relevé de situation mis à jour",
    "ris_valide": "Relevé validé par l'agent",
    "consolidation_employeur": "Consolidation demandée par l'agent",
    "bilan_disponible": "Bilan personnalisé disponible",
    "enquete_envoyee": "Enquête de satisfaction envoyée",
    "enquete_repondue": "Enquête de satisfaction répondue",
    "cloture_enquete": "Clôture et enquête envoyées",
    "cloture_sans_reponse": "Clôturée sans réponse à l'enquête",
    "demande_retiree": "Demande retirée",
    "retrait_confirme": "Retrait confirmé",
    "rectification_demandee": "Rectification demandée",
    "rectification_enregistree": "Rectification enregistrée",
    "rectification_relance": "Employeur relancé",
    "rectification_escalade": "Signalé aux superviseurs",
    "rectification_autre_regime": "Orientée vers un autre régime",
    "document_rectifie": "Document rectifié produit",
    "orientee_autre_regime": "Orientée vers un autre régime",
    "contacter_employeur": "Contact de l'employeur",
    "ligne_cir_ecrite": "Ligne du CIR enregistrée",
    "ligne_cir_remplacee": "Ligne du CIR corrigée",
    "ligne_cir_supprimee": "Ligne du CIR supprimée",
    "tache_prise_en_charge": "Tâche prise en charge chez l'employeur",
    "tache_attribuee": "Tâche attribuée chez l'employeur",
    "tache_liberee": "Tâche remise à la disposition de l'établissement",
    "incident_ouvert": "Incident : le processus est arrêté",
    "incident_persistant": "Incident toujours en cours",
    "incident_relance": "Relancé par un superviseur",
    "incident_relance_par_correction": "Relancé par la correction du CIR",
    "incident_resolu": "Incident résolu, le processus reprend",
    "processus_annule": "Annulé par un superviseur",
    "eir_annulee": "Annulation annoncée à l'agent",
    "code_regenere_par_administrateur": "Nouveau code confidentiel généré par un administrateur",
    "echeance_ouverte": "Délai de demande de validation ouvert",
    "rappel_envoye": "Rappel du délai envoyé",
    "demande_recue": "Demande de validation reçue",
    "certificats_non_recus": "Certificats non reçus dans le délai : décision sur les pièces reçues",
    "relance_superviseur": "Superviseurs relancés pour la décision",
    "decision_acceptee": "Validation acceptée, périodes inscrites au CIR",
    "decision_rejetee": "Validation rejetée, CIR inchangé",
    "sans_decision": "Clos sans décision dans le délai",
    "forclos": "Délai de demande expiré (forclos)",
    "forclos_au_demarrage": "Délai déjà expiré à l'ouverture du dossier",
}
# The events of each human task's life, named by the shared process layer after the task's type
# (« {type}_demandee » when it opens, « {type}_terminee » when it is answered).
EVENEMENTS |= {f"{type}_demandee": f"Tâche ouverte : {nom}" for type, nom in TYPES_TACHE.items()}
EVENEMENTS |= {f"{type}_terminee": f"Tâche terminée : {nom}" for type, nom in TYPES_TACHE.items()}

NATURES = {
    "titulaire": "Titulaire",
    "stagiaire": "Stagiaire",
    "non_titulaire_valide": "Non-titulaire (services validés)",
    "disponibilite": "Disponibilité",
    "conge_parental": "Congé parental",
    "detachement": "Détachement",
}

CATEGORIES = {"sedentaire": "Sédentaire", "active": "Active"}

QUESTIONS_ENQUETE = (
    "La prise en compte de votre demande a-t-elle été rapide ?",
    "Les échanges avec votre employeur ont-ils été utiles ?",
    "Votre relevé de situation était-il clair ?",
    "Votre bilan personnalisé répond-il à vos questions ?",
    "Recommanderiez-vous ce service à un collègue ?",
)


def libelle(table: dict[str, str], valeur: str | None) -> str:
    if valeur is None:
        return ""
    return table.get(valeur, valeur.replace("_", " ").capitalize())


# The notice a page shows after an action, by the ``message`` key of the redirect that follows it.
AVIS = {
    # the agent
    "demande": "Votre demande d'entretien information retraite est enregistrée. Un accusé de réception vous est envoyé par courriel.",
    "ris_valide": "Vous avez validé votre relevé de situation : votre bilan personnalisé est en préparation.",
    "consolidation": "Votre demande de consolidation est enregistrée : les périodes CNRACL sont transmises à votre employeur ; pour celles d'un autre régime, un courriel vous indique le régime à contacter.",
    "autres_regimes": "Vos trimestres dans les autres régimes sont enregistrés : ils comptent dans votre bilan personnalisé.",
    "enquete": "Merci : vos réponses à l'enquête sont enregistrées.",
    "retrait": "Votre demande est retirée.",
    "rectification": "Votre demande de rectification est enregistrée.",
    "rectification_retiree": "Votre demande de rectification est retirée.",
    # the employer
    "tache": "La tâche est terminée : l'agent et la CNRACL en sont informés.",
    "prise": "Vous avez pris la tâche en charge : elle figure dans « Mes tâches ».",
    "attribuee": "La tâche est attribuée : la personne choisie la voit dans « Mes tâches ».",
    "liberee": "La tâche n'est plus attribuée : toute personne de l'établissement peut la prendre en charge.",
    "ligne": "La période est enregistrée dans le compte individuel retraite : l'année est validée, ses données "
    "administratives et ses cotisations ensemble.",
    "ligne_supprimee": "La période est supprimée du compte individuel retraite ; elle reste, avec votre motif, "
    "dans l'historique du compte.",
    # campaigns
    "pause": "La campagne est suspendue : plus aucun envoi ni rappel jusqu'à sa reprise.",
    "reprise": "La campagne reprend là où elle s'était arrêtée.",
    "lancee": "La campagne est lancée.",
    "simulee": "La simulation est faite : rien n'a été envoyé.",
    "exclusion": "L'exclusion est enregistrée : plus aucune tâche, ligne transmise ni document de la campagne pour "
    "les agents concernés ; leurs tâches ouvertes sont retirées.",
    "exclusion_levee": "L'exclusion est levée : les agents concernés reçoivent leur document avec la prochaine "
    "tranche.",
    "ajout": "L'ajout est enregistré : les agents ajoutés suivent les étapes de la campagne qui restent.",
    "delai": "Le délai de l'employeur est prolongé : ses tâches de campagne ont leur nouvelle échéance, et il sera "
    "relancé avant elle.",
    # incidents
    "incident_relance": "Le processus est relancé : l'étape arrêtée est exécutée à nouveau. S'il échoue encore, il "
    "reste dans la liste avec le nouveau motif.",
    "incident_annule": "Le processus est annulé : ses tâches sont annulées et la raison est gardée dans l'historique.",
    "incident_reattribue": "L'incident est confié au superviseur choisi.",
    # the establishment's accounts
    "cree": "Le compte est créé : son identifiant et son code confidentiel initial sont envoyés à son adresse.",
    "modifie": "Le compte est modifié.",
    # the campaign's documents: the channel, a re-send
    "coordonnees": "Les coordonnées sont enregistrées : le prochain envoi des documents en tient compte.",
    "renvoi": "Le document est renvoyé : sa nouvelle version remplace l'ancienne, qui reste consultable.",
    "renvoi_en_cours": "Le renvoi du document est en cours : rechargez la page dans quelques instants.",
    # an employer's email address (api/pages/coordonnees_employeur.py)
    "coordonnees_employeur": "L'adresse électronique de l'employeur est enregistrée : les prochains courriels lui "
    "sont envoyés à cette adresse.",
    "coordonnees_employeur_incidents": "L'adresse électronique de l'employeur est enregistrée et ses incidents de "
    "courriel sont résolus. Les courriels qu'il n'a pas reçus ne lui sont pas renvoyés : prévenez-le.",
    "coordonnees_employeur_inchangees": "L'adresse saisie est déjà celle de l'employeur : rien n'a changé.",
}


def avis(cle: str | None) -> str | None:
    return AVIS.get(cle or "")


# --- The agent's request page (issue 23) ---
# The EIR in the three steps its mails announce (DESIGN §4.1: the closure and its survey end the réalisation);
# each with the engine's steps it covers.
ETAPES_AGENT = (
    ("Enregistrement", ("enregistrement",)),
    ("Préparation", ("preparation",)),
    ("Réalisation", ("realisation", "cloture")),
)


# Each field of a form, a JSON body or an address, by the name a person reads (the form's label): an error names
# the field this way, never by its code. A JSON error keeps the code too, in its ``champ``.
CHAMPS = {
    # the CIR period
    "date_debut": "Premier jour",
    "date_fin": "Dernier jour",
    "quotite": "Quotité",
    "nature": "Nature des services",
    "categorie": "Catégorie",
    "indice_majore": "Indice majoré",
    "siret_employeur": "SIRET de l'employeur",
    "traitement_brut": "Traitement indiciaire brut soumis à retenue",
    "nbi": "Nouvelle bonification indiciaire",
    "retenue_salariale": "Retenue salariale",
    "contribution_employeur": "Contribution employeur",
    "remplace": "Période corrigée",
    "motif": "Motif",
    "annee": "Année",
    "confirmation": "Lancer quand même (étapes passées faites aussitôt)",
    "corrections": "Corrections du CIR",
    # the employer's tasks
    "carriere_verifiee": "J'ai vérifié la carrière CNRACL de l'agent",
    "donnees_verifiees": "J'ai vérifié les données",
    "indice_fin_de_carriere": "Indice majoré de fin de carrière",
    "commentaire": "Commentaire",
    "compte_id": "Personne chargée de la tâche",
    "decision": "Décision",
    # the agent's requests
    "periodes": "Périodes",
    "debut": "Premier jour de la période",
    "fin": "Dernier jour de la période",
    "date_demande": "Date de la demande",
    "preuve": "Référence de la preuve de la demande",
    "periode_debut": "Début de la période",
    "periode_fin": "Fin de la période",
    "periode_contestee": "Période contestée",
    "type_document": "Document à rectifier",
    "annee_document": "Année du document",
    "regime": "Autre régime",
    "autres_regimes": "Trimestres dans les autres régimes",
    "trimestres": "Trimestres",
    "reponses": "Réponses à l'enquête",
    "q1": "Question 1",
    "q2": "Question 2",
    "q3": "Question 3",
    "q4": "Question 4",
    "q5": "Question 5",
    # accounts and identification
    "identifiant": "Identifiant",
    "username": "Identifiant",
    "code": "Code confidentiel",
    "password": "Code confidentiel",
    "certification": "Code de certification",
    "question": "Question secrète",
    "reponse": "Réponse à la question secrète",
    "nom": "Nom",
    "prenom": "Prénom",
    "date_de_naissance": "Date de naissance",
    "email": "Adresse électronique",
    "nir": "Numéro de sécurité sociale (NIR)",
    "siret": "SIRET",
    "numero_bcr": "Numéro BCR",
    "numero_contrat": "Numéro de contrat",
    "profil": "Habilitation",
    "employeur": "Numéro d'employeur",
    "actif": "Compte actif",
    # addresses and filters
    "demande_id": "Numéro de la demande",
    "document_id": "Numéro du document",
    "dossier_id": "Numéro du dossier",
    "rectification_id": "Numéro de la demande de rectification",
    "tache_id": "Numéro de la tâche",
    "employeur_id": "Numéro de l'employeur",
    "recherche": "Nom ou NIR de l'agent",
    "workflow_id": "Identifiant du processus",
    "etat": "État",
    "etat_tache": "État de la tâche",
    "etat_processus": "État du processus",
    "type": "Type",
    "en_retard": "En retard",
    "retard": "En retard seulement",
    "en_attente_de": "En attente de",
    "attribution": "Attribution",
    "simulation": "Simulation",
    # the pension calculation (POST /simulations, /simulations/rachat)
    "rachat_etudes": "Rachat d'études",
    "option": "Option du rachat",
    "date_de_demande": "Date de la demande de rachat",
    "fin_des_etudes": "Fin des études",
    "revenus_activite_annuels": "Revenus d'activité annuels",
    "surcotisation": "Temps partiel surcotisé",
    "traitement_indiciaire_brut_annuel": "Traitement indiciaire brut annuel",
    "cohorte": "Cohorte",
    "livraison": "Mode de remise du document",
    "decalage": "Décalage",
    "limite": "Nombre maximal de résultats",
    "sequence": "Numéro d'ordre",
    "corps": "Corps de la requête",
    "payloads": "Contenus à chiffrer ou déchiffrer",
    "metadata": "Métadonnées du contenu",
    "data": "Données du contenu (base64)",
}
_CODE_EN_TETE = re.compile(r"^([a-z][a-z0-9]*(?:[_.][a-z0-9]+)*) : ")


def champ_fr(chemin: str) -> str:
    """The label of a field, from its code or its path in a JSON body (« corrections.0.date_debut » is « Premier
    jour (corrections du CIR, n° 1) »)."""
    morceaux = chemin.split(".")
    nom = next((m for m in reversed(morceaux) if not m.isdigit()), "corps")  # a list sent whole: the body
    libelle_du_champ = CHAMPS.get(nom) or nom.replace("_", " ").capitalize()
    parents = [m for m in morceaux[: morceaux.index(nom)] if not m.isdigit()] if nom in morceaux else []
    rangs = [int(m) + 1 for m in morceaux if m.isdigit()]
    if parents and rangs:
        parent = CHAMPS.get(parents[-1], parents[-1])
        return f"{libelle_du_champ} ({parent[:1].lower()}{parent[1:]}, n° {rangs[-1]})"
    return f"{libelle_du_champ} (n° {rangs[-1]})" if rangs else libelle_du_champ


def code_en_tete(message: str) -> tuple[str, str] | None:
    """The field's code a refusal's sentence starts with (« date_fin : … »), and the rest of the sentence."""
    trouve = _CODE_EN_TETE.match(message)
    if trouve is None:
        return None
    code = trouve.group(1)
    if code not in CHAMPS and "_" not in code and "." not in code:  # a French word, not a field (« Introuvable : »)
        return None
    return code, message[trouve.end() :]


def message_fr(message: str) -> str:
    """A refusal's sentence that starts with its field's code (« date_fin : … ») starts with its label instead
    (« Dernier jour : … »); so does each of the sentences a refusal joins with « ; »."""

    def nommer(phrase: str) -> str:
        en_tete = code_en_tete(phrase)
        return f"{champ_fr(en_tete[0])} : {en_tete[1]}" if en_tete else phrase

    return " ; ".join(nommer(phrase) for phrase in message.split(" ; "))


def message_du_champ(champ: str, message: str) -> str:
    """A field's own message, shown beside it or under its code in JSON: without its code in front."""
    return message_fr(message.removeprefix(f"{champ} : "))


def enumeration(elements: list[str]) -> str:
    """« 2 », « 2 et 3 », « 2, 3, 4 et 5 »: a list read as French, for a sentence such as « questions 2, 3 et 5 »."""
    if len(elements) < 2:
        return "".join(elements)
    return f"{', '.join(elements[:-1])} et {elements[-1]}"


# A rectification answered « aucune erreur constatée » by its employer.
ETATS["aucune_erreur_constatee"] = "Aucune erreur constatée par l'employeur"
EVENEMENTS |= {
    "aucune_erreur_constatee": "Aucune erreur constatée par l'employeur",
    "rectification_aucune_erreur": "Réponse « aucune erreur constatée » envoyée à l'agent",
}
CHAMPS["resultat"] = "Résultat de la vérification"
RESULTATS_RECTIFICATION = {"corrigee": "Période corrigée", "aucune_erreur": "Aucune erreur constatée"}

# The ends of a process before its main line's end (domain.processus.MotifFin), and their mails.
ETATS |= {
    "expiree": "Close : délai dépassé",
    "sans_objet": "Close : l'agent a cessé son activité (retraite ou décès)",
}
EVENEMENTS |= {
    "fin_delai_global": "Close : délai de traitement dépassé",
    "fin_tache_sans_reponse": "Close : tâche restée sans réponse après le signalement aux superviseurs",
    "fin_ris_sans_reponse": "Close : relevé de situation non validé dans le délai",
    "fin_retraite": "Close : l'agent est parti à la retraite",
    "fin_deces": "Close : décès de l'agent",
    "eir_fin_delai_global": "Clôture pour délai dépassé annoncée à l'agent",
    "eir_fin_ris_sans_reponse": "Clôture faute de validation du relevé annoncée à l'agent",
    "eir_fin_tache_sans_reponse": "Clôture faute de réponse de l'employeur annoncée à l'agent",
    "eir_fin_retraite": "Clôture pour départ à la retraite annoncée à l'agent",
    "rectification_fin_delai_global": "Clôture pour délai dépassé annoncée à l'agent",
    "rectification_fin_tache_sans_reponse": "Clôture faute de réponse de l'employeur annoncée à l'agent",
    "rectification_fin_retraite": "Clôture pour départ à la retraite annoncée à l'agent",
    "rectification_annulee": "Annulation annoncée à l'agent",
    "rectification_retiree": "Retrait confirmé à l'agent",
    "validation_annulee": "Annulation annoncée à l'agent",
    "validation_fin_retraite": "Clôture pour départ à la retraite annoncée à l'agent",
    "situation_enregistree": "Situation de l'agent enregistrée (retraite ou décès)",
    # a campaign's perimeter, decided by its manager
    "exclusion_decidee": "Exclusion de la campagne décidée",
    "exclusion_levee": "Exclusion de la campagne levée",
    "ajout_decide": "Ajout à la campagne décidé",
}
CHAMPS |= {
    "date_liquidation": "Date de liquidation de la pension",
    "date_de_deces": "Date de décès",
}
# The postal address and the channel of the campaign's documents (api/pages/coordonnees.py).
CHAMPS |= {
    "adresse_postale": "Adresse postale",
    "voie": "Numéro et voie",
    "complement": "Complément d'adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "canal": "Recevoir les documents",
}
# The mail provider's bounces reported to a campaign (services/campagne_rebonds.py).
CHAMPS |= {
    "rebonds": "Courriels revenus",
    "message_id": "Identifiant du courriel",
    "avis_de_non_remise": "Avis de non-remise",
}
EVENEMENTS |= {
    "courriel_rebondi": "Courriel revenu après son envoi : agent passé au courrier, ou employeur à prévenir",
    "livraisons_recomptees": "Courriels et courriers de la campagne recomptés après un courriel revenu",
    "document_renvoye": "Document de la campagne renvoyé (nouvelle version)",
    "coordonnees_modifiees": "Adresse postale ou mode de réception des documents modifié",
    "coordonnees_employeur_modifiees": "Adresse électronique de l'employeur corrigée",
}

# The campaign's deadlines (issue 24, §8): a task left unanswered at its employer's cut-off, an extended deadline.
ETATS["close_date_limite"] = "Close à la date limite"
EVENEMENTS |= {
    "delai_employeur_prolonge": "Délai d'un employeur prolongé",
    "taches_closes_date_limite": "Tâches de campagne closes à la date limite",
    "envoi_arrete_fin_legale": "Envoi des documents arrêté à sa limite légale (31 décembre de l'année d'envoi)",
}
CHAMPS["date_limite"] = "Nouvelle date limite"
CHAMPS["exclusion_id"] = "Numéro de l'exclusion"
