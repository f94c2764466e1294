"""The agent's other schemes as the RIS and the bilan show them: one line per base scheme, the agent's own entry
of phase 2 prevailing over the inter-scheme data; a complementary scheme (Ircantec) never counts trimestres."""

from dataclasses import dataclass
from datetime import date

from domain.eir import (
    SOURCE_AFFILIE,
    SOURCE_INTER_REGIMES,
    autres_regimes,
    duree_assurance_autres_regimes,
    regimes_de_base,
)

LE = date(2026, 12, 6)


@dataclass
class Duree:
    regime: str
    trimestres: int
    source: str


def test_la_saisie_de_l_agent_prevaut_sur_les_donnees_inter_regimes():
    lignes = autres_regimes(
        [
            Duree("msa", 6, SOURCE_INTER_REGIMES),
            Duree("regime_general", 30, SOURCE_INTER_REGIMES),
            Duree("regime_general", 40, SOURCE_AFFILIE),
        ],
        LE,
    )
    assert [(ligne["regime"], ligne["trimestres"], ligne["source"]) for ligne in lignes] == [
        ("regime_general", 40, SOURCE_AFFILIE),
        ("msa", 6, SOURCE_INTER_REGIMES),
    ]
    assert str(lignes[0]["nom"]).startswith("le régime général")
    assert duree_assurance_autres_regimes(lignes) == 46


def test_un_regime_complementaire_ne_compte_pas_de_trimestres():
    assert "ircantec" not in regimes_de_base(LE)
    assert autres_regimes([Duree("ircantec", 12, SOURCE_INTER_REGIMES)], LE) == []
    assert duree_assurance_autres_regimes([]) == 0
