"""Bearer tokens: a token is accepted only while it is unexpired and signed with the service's key, including the
second time it is presented (the signature check is remembered, the expiry is not)."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt

from api.securite import emettre_jeton, lire_jeton

CLE = "une-cle-de-test-suffisamment-longue-pour-hs256"


def test_un_jeton_valide_donne_son_compte_a_chaque_presentation():
    jeton = emettre_jeton(42, "agent", CLE, timedelta(minutes=5))
    assert lire_jeton(jeton, CLE) == 42
    assert lire_jeton(jeton, CLE) == 42


def test_un_jeton_deja_verifie_est_refuse_une_fois_expire(monkeypatch):
    jeton = emettre_jeton(7, "employeur", CLE, timedelta(seconds=30))
    assert lire_jeton(jeton, CLE) == 7
    plus_tard = time.time() + 31
    monkeypatch.setattr(time, "time", lambda: plus_tard)
    assert lire_jeton(jeton, CLE) is None


def test_un_jeton_verifie_avec_une_cle_ne_vaut_pas_pour_une_autre():
    jeton = emettre_jeton(3, "agent", CLE, timedelta(minutes=5))
    assert lire_jeton(jeton, CLE) == 3
    assert lire_jeton(jeton, "une-autre-cle-tout-aussi-longue-pour-hs256") is None


def test_un_jeton_altere_ou_sans_expiration_est_refuse():
    jeton = emettre_jeton(5, "agent", CLE, timedelta(minutes=5))
    entete, _contenu, signature = jeton.split(".")
    autre = emettre_jeton(6, "superviseur", CLE, timedelta(minutes=5)).split(".")[1]
    assert lire_jeton(f"{entete}.{autre}.{signature}", CLE) is None
    sans_expiration = jwt.encode({"sub": "5", "role": "agent"}, CLE, "HS256")
    assert lire_jeton(sans_expiration, CLE) is None
    assert lire_jeton("pas-un-jeton", CLE) is None
