"""The dry run's summary the ``cnracl`` command prints: French words, no field code, the tranches in Paris time
(08:00 in summer and in winter alike)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.campagnes import ResumeSimulation, TranchePrevue


def test_le_resume_d_une_campagne_a_venir_dit_tout_en_francais():
    resume = ResumeSimulation(
        annee=2030,
        annee_envoi=2031,
        documents={"ris": 4, "eig": 2},
        employeurs=3,
        employeurs_a_informer=2,
        taches=1,
        etapes_passees=[],
        tranches=[
            TranchePrevue(le=datetime(2031, 9, 1, 6, tzinfo=UTC), documents=5),  # summer time: UTC+2
            TranchePrevue(le=datetime(2031, 12, 1, 7, tzinfo=UTC), documents=1),  # winter time: UTC+1
        ],
    )
    assert resume.texte().splitlines() == [
        "Simulation de la campagne 2030 (documents envoyés en 2031) : rien n'a été envoyé, aucune tâche n'a été créée.",
        "Agents qui recevraient un document : 6",
        "  - Relevé individuel de situation (RIS) : 4",
        "  - Estimation indicative globale (EIG) : 2",
        "Employeurs : 3 employeurs dans la campagne ; 2 d'entre eux auraient des comptes à mettre à jour "
        "(1 tâche à leur confier).",
        "Envoi des documents, tranche par tranche (heure de Paris) :",
        "  - le 1er septembre 2031 à 8 h 00 : 5 documents",
        "  - le 1er décembre 2031 à 8 h 00 : 1 document",
    ]
