"""The campaign's stored values: a renamed member would orphan the rows written before."""

from domain.campagne import Cohorte, DecisionPerimetre, EtapeCampagne, EtatCible, TravailLot, TypePerimetre


def test_les_valeurs_stockees_de_la_campagne_ne_changent_pas():
    assert [c.value for c in Cohorte] == ["ris", "eig", "information_generale"]
    assert [e.value for e in EtapeCampagne] == [
        "planifiee",
        "selection",
        "mise_a_jour_employeurs",
        "transmission",
        "attente_envoi",
        "envoi_documents",
        "terminee",
        "simulee",
    ]
    assert [e.value for e in EtatCible] == [
        "selectionne",
        "document_produit",
        "document_annonce",
        "anomalie",
        "exclu_deces",
        "exclu_retraite",
        "exclu_radiation",
        "exclu_decision",
        "hors_delai",
    ]
    assert [t.value for t in TravailLot] == ["notification", "rappel", "transmission", "documents"]
    assert [d.value for d in DecisionPerimetre] == ["exclusion", "ajout"]
    assert [t.value for t in TypePerimetre] == ["agent", "employeur"]
