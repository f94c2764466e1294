"""``cnracl campagne planifier``: a Temporal Schedule each 1 July (Europe/Paris) that launches the
campaign of the year; planning again updates it rather than adding a second one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain.campagne import SCHEDULE_CAMPAGNE
from tests.support.attente import attendre
from tests.support.environnement import settings_de_test
from worker import creer_worker
from workflows.campagne_client import lancement_annuel, planifier_campagnes

pytestmark = pytest.mark.e2e


async def test_planification_annuelle(env_dev, tmp_path, boite_mail, sessions_sqlite, url_sqlite):
    client = env_dev.client
    settings = settings_de_test(tmp_path, url_sqlite, boite_mail.port)
    assert await planifier_campagnes(client, settings.task_queue, lancement_annuel(settings)) is True
    assert await planifier_campagnes(client, settings.task_queue, lancement_annuel(settings)) is False
    planification = client.get_schedule_handle(SCHEDULE_CAMPAGNE)
    try:
        description = await planification.describe()
        spec = description.schedule.spec
        assert spec.time_zone_name == "Europe/Paris"
        (calendrier,) = spec.calendars
        assert [r.start for r in calendrier.month] == [7] and [r.start for r in calendrier.day_of_month] == [1]
        prochain = description.info.next_action_times[0].astimezone(ZoneInfo("Europe/Paris"))
        assert (prochain.month, prochain.day, prochain.hour) == (7, 1, 8)

        # Triggered (as on 1 July), it starts the campaign of the current year, once.
        annee = datetime.now(ZoneInfo("Europe/Paris")).year
        async with creer_worker(client, settings, sessions_sqlite):
            await planification.trigger()

            async def lancee() -> bool:
                try:
                    await client.get_workflow_handle(f"campagne-dai-{annee}").describe()
                    return True
                except Exception:
                    return False

            await attendre(lancee, delai=30)
            await client.get_workflow_handle(f"campagne-dai-{annee}").terminate()
    finally:
        await planification.delete()
