"""The campaign's calendar is kept in Paris time: a delay of days from the July launch (summer time) lands at 08:00
in Paris after the October change too, for the cut-off, the reminders, the transmission and each tranche."""

from datetime import UTC, datetime, time, timedelta

from domain.campagne import PARIS, calendrier_campagne, decaler


def _paris(instant: datetime) -> datetime:
    assert instant.tzinfo is not None
    return instant.astimezone(PARIS)


def _calendrier():
    # The settings' defaults: cut-off 150 days after the launch, reminders 30 and 7 days before it, weekly tranches.
    return calendrier_campagne(
        2026, timedelta(days=150), [timedelta(days=30), timedelta(days=7)], timedelta(days=45), timedelta(days=7)
    )


def test_la_date_limite_et_les_rappels_tombent_a_8_h_a_paris_apres_le_passage_a_l_heure_d_hiver():
    calendrier = _calendrier()
    assert _paris(calendrier.lancement) == datetime(2026, 7, 1, 8, 0, tzinfo=PARIS)
    assert calendrier.lancement == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # summer time: UTC+2
    # The change to winter time is on 25 October 2026: the cut-off (28 November) is in UTC+1.
    assert _paris(calendrier.date_limite) == datetime(2026, 11, 28, 8, 0, tzinfo=PARIS)
    assert calendrier.date_limite == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert [_paris(r) for r in calendrier.rappels] == [
        datetime(2026, 10, 29, 8, 0, tzinfo=PARIS),
        datetime(2026, 11, 21, 8, 0, tzinfo=PARIS),
    ]
    assert _paris(calendrier.transmission) == datetime(2027, 1, 12, 8, 0, tzinfo=PARIS)


def test_les_tranches_de_part_et_d_autre_du_changement_d_heure_d_octobre_partent_a_8_h_a_paris():
    tranches = _calendrier().tranches()
    assert _paris(tranches[0]) == datetime(2027, 9, 1, 8, 0, tzinfo=PARIS)
    # 31 October 2027: the last tranche in summer time, then the first in winter time, both at 08:00 in Paris.
    avant = next(t for t in tranches if _paris(t).date().isoformat() == "2027-10-27")
    apres = next(t for t in tranches if _paris(t).date().isoformat() == "2027-11-03")
    assert avant == datetime(2027, 10, 27, 6, 0, tzinfo=UTC)
    assert apres == datetime(2027, 11, 3, 7, 0, tzinfo=UTC)
    assert {_paris(t).time() for t in tranches} == {time(8, 0)}
    assert _paris(tranches[-1]) == datetime(2027, 12, 29, 8, 0, tzinfo=PARIS)  # the last before 31 December 18:00


def test_un_delai_en_heures_est_du_temps_ecoule():
    # 02:00 UTC on 25 October 2026 is 03:00 summer time; an hour later the clocks went back: 03:00 winter time.
    depart = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert decaler(depart, timedelta(hours=3)) == datetime(2026, 10, 25, 3, 30, tzinfo=UTC)
    assert decaler(decaler(depart, timedelta(hours=3)), -timedelta(hours=3)) == depart
    # A day is a calendar day: 24 hours later on the clock, 25 hours of elapsed time across the change.
    assert decaler(depart, timedelta(days=1)) - depart == timedelta(hours=25)


def test_la_limite_legale_de_l_envoi_est_la_fin_du_31_decembre_n_plus_1_a_paris():
    calendrier = _calendrier()
    assert _paris(calendrier.fin_envoi) == datetime(2027, 12, 31, 18, 0, tzinfo=PARIS)
    assert calendrier.limite_envoi() == datetime(2028, 1, 1, 0, 0, tzinfo=PARIS)
    assert calendrier.tranches()[-1] < calendrier.limite_envoi()
