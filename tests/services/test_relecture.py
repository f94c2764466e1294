"""After a change the process took, a database failing on the read-back: read again for a moment, then the person is
told the change is taken — never asked to send it again (a second try would meet it done)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from domain.erreurs import PriseEnCompteNonRelue
from domain.processus import ActionSuperviseur
from services.moteur import Moteur, mettre_a_jour_et_relire
from tests.support.environnement import settings_de_test


class _Poignee:
    def __init__(self, envois: list[Any]) -> None:
        self.envois = envois

    async def execute_update(self, update: Any, argument: Any) -> None:
        self.envois.append(argument)


class _Client:
    def __init__(self) -> None:
        self.envois: list[Any] = []

    def get_workflow_handle(self, workflow_id: str) -> _Poignee:
        return _Poignee(self.envois)


class _MoteurDeTest(Moteur):
    """The engine's edge: an update always taken, counted."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.client_de_test = _Client()

    async def client(self) -> Any:
        return self.client_de_test


@dataclass
class _Ligne:
    workflow_id: str = "eir-1"
    sequence: int = 7


ACTION = ActionSuperviseur(compte_id=1, motif="")


def _lecture(echecs: int):
    lectures: list[int] = []

    async def relire() -> str:
        lectures.append(1)
        if len(lectures) <= echecs:
            raise OperationalError("SELECT", {}, ConnectionResetError("connexion coupée"))
        return "état relu"

    return relire, lectures


@pytest.mark.parametrize("echecs", [0, 2])
async def test_la_relecture_est_reprise_un_instant(tmp_path, sessions_sqlite, url_sqlite, echecs):
    moteur = _MoteurDeTest(settings_de_test(tmp_path, url_sqlite, 1))
    relire, lectures = _lecture(echecs)
    async with sessions_sqlite() as session:
        resultat = await mettre_a_jour_et_relire(session, moteur, _Ligne(), "valider", ACTION, relire)
    assert resultat == "état relu" and len(lectures) == echecs + 1
    assert moteur.client_de_test.envois == [ACTION.model_copy(update={"sequence": 7})]  # sent once


async def test_une_base_qui_ne_repond_plus_dit_la_demande_prise_en_compte(tmp_path, sessions_sqlite, url_sqlite):
    moteur = _MoteurDeTest(settings_de_test(tmp_path, url_sqlite, 1))
    relire, lectures = _lecture(99)
    async with sessions_sqlite() as session:
        with pytest.raises(PriseEnCompteNonRelue) as erreur:
            await mettre_a_jour_et_relire(session, moteur, _Ligne(), "valider", ACTION, relire)
    assert "bien été prise en compte" in str(erreur.value) and "sans renvoyer" in str(erreur.value)
    assert moteur.client_de_test.envois == [ACTION.model_copy(update={"sequence": 7})] and len(lectures) == 4
