"""Sample contexts for every mail template: previews for supervisors and the rendering test."""

from __future__ import annotations

from typing import Any

_COMMUN: dict[str, Any] = {
    "url": "http://localhost:8000",
    "affilie": {"prenom": "Camille", "nom": "Martin"},
    "employeur": {"raison_sociale": "Commune de Saint-Exemple", "siret": "21330063500017"},
    "rectification": {
        "id": 7,
        "reference": "RECT-7",
        "workflow_id": "rectification-7-1",
        "document": "EIG",
        "annee_document": 2026,
        "periode_debut": "2004-01-01",
        "periode_fin": "2004-12-31",
        "motif": "Temps partiel à 80 % non repris",
        "reclamation_eig": True,
        "mention_eig": "Dossier instruit dans le cadre d'une réclamation sur l'EIG",
    },
    "dossier": {
        "id": 3,
        "reference": "VAL-3",
        "workflow_id": "echeance-validation-3",
        "date_limite": "2014-06-30",
        "regle": "titularisé au plus tard le 01/01/2013 : demande dans les 24 mois de la titularisation",
        "decision": "acceptee",
        "periodes_certifiees": 2,
        "cotisations": {
            "part_agent": "1234.56",
            "part_employeur": "3456.78",
            "total": "4691.34",
            "incomplet": False,
            "regle": "retenues et contributions aux taux en vigueur à la date de la demande (décret n° 2003-1306, "
            "art. 50-II)",
        },
    },
    "regime": {"nom": "la Mutualité sociale agricole (MSA)", "contact": "https://www.msa.fr"},
    "demande": {"id": 42, "reference": "EIR-42", "date_demande": "2026-03-02", "workflow_id": "eir-7-1"},
    "tache": {
        "id": 314,
        "echeance": "2026-03-17T09:00:00+00:00",
        "annees": "2004, 2005",
        "motif": "Temps partiel à 80 % du 01/01/2004 au 31/12/2004, conforme à l'arrêté du 12/12/2003",
        "periodes": [("1993-01-01", "1993-12-31"), ("1994-01-01", "1994-06-30")],
    },
    "campagne": {"annee": 2026, "annee_envoi": 2027, "date_limite": "2026-11-28T07:00:00+00:00"},
    "rappel": 1,
    "transmission": "2027-01-12T07:00:00+00:00",
    "agents": [{"prenom": "Léa", "nom": "Petit", "annee_de_naissance": "1987", "tache_id": 501}],
    "nb_agents": 1,
    "autres_agents": 0,
    "nb_employeurs": 1,
    "nb_taches": 3,
    "document_dai": {"id": 77, "titre": "Estimation indicative globale", "type": "eig"},
    "document_remplace": {"id": 76, "cree_le": "2027-09-14T08:00:00+00:00"},
    "employeurs": [
        {
            "raison_sociale": "Commune de Saint-Exemple",
            "siret": "21330063500017",
            "taches_ouvertes": 3,
            "nb_a_mettre_a_jour": 4,
            "rappels": 2,
        }
    ],
    # Account mails (seed 002): the holder, the identifier, a regenerated code (the seed's own examples).
    "titulaire": {"prenom": "Marcel", "nom": "Dupont"},
    "compte": {"identifiant": "IDENTXXXX"},
    "codes": {"code_confidentiel": "FMWQS252", "expire_le": "2026-03-05T10:24:00+00:00"},
    "document": {
        "reponse_rectification": {
            "resultat": "corrigee",
            "periode_debut": "2004-01-01",
            "periode_fin": "2004-12-31",
            "lignes_modifiees": [
                {
                    "date_debut": "2004-01-01",
                    "date_fin": "2004-12-31",
                    "quotite": 80,
                    "employeur": "Commune de Saint-Exemple",
                }
            ],
            "motifs": [{"employeur": "Commune de Saint-Exemple", "motif": "Temps partiel conforme à l'arrêté"}],
        },
        "nb_periodes": 28,
        "trimestres": 112,
        "indice_fin_de_carriere": 612,
        "points": [
            {"libelle": "À l'âge légal (64 ans)", "pension_brute_mensuelle": 1843.27},
            {"libelle": "À 67 ans, âge d'annulation de la décote", "pension_brute_mensuelle": 2210.4},
        ],
    },
}


def contexte_exemple(evenement: str) -> dict[str, Any]:
    """The sample context of one event (all events share one set of sample data)."""
    return dict(_COMMUN)
