"""The campaign's calendar read back from its row (a paper re-send joins the print batch of its next tranche)."""

from __future__ import annotations

from datetime import timedelta

from domain.campagne import calendrier_campagne
from persistence.depots_campagne import _calendrier_json
from persistence.models_campagne import CampagneTable
from persistence.renvoi_campagne import calendrier_stocke


def test_le_calendrier_relu_de_la_campagne_est_celui_de_son_lancement():
    calendrier = calendrier_campagne(
        2027, timedelta(days=150), [timedelta(days=30), timedelta(days=7)], timedelta(days=45), timedelta(days=7)
    )
    campagne = CampagneTable(workflow_id="campagne-dai-2027", annee=2027, annee_envoi=2028, etape="planifiee")
    campagne.calendrier = _calendrier_json(calendrier)
    relu = calendrier_stocke(campagne)
    assert relu == calendrier and relu.tranches() == calendrier.tranches()
