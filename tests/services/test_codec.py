"""Encrypted payloads (services/codec.py): an EIR run through the API and a worker on the dev server with the codec
on leaves no clear text of its free text (employer's comment, consolidation comment, survey answers) in the
engine's history; a key rotation halfway through loses nothing; supervisors alone decrypt through the codec route."""

from __future__ import annotations

import base64
import re
from contextlib import AsyncExitStack
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from api.app import create_app
from services.codec import CLE, ENCODAGE, ClesInconnues, CodecChiffrant, cle_aleatoire
from services.moteur import client_temporal
from settings import Settings
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_de_test
from tests.support.fabriques import EMPLOYEUR
from tests.support.parcours_eir import mails_envoyes
from tests.support.service import Service, assembler
from worker import creer_worker

pytestmark = pytest.mark.e2e

# Words that appear nowhere but in what the people typed.
COMMENTAIRE_EMPLOYEUR = "Carrière revue avec le service de Tourcoing"
COMMENTAIRE_CONSOLIDATION = "Vacations à Roubaix oubliées"
COMMENTAIRE_ENQUETE = "Accueil remarquable à Mende"
MOTS = (b"Tourcoing", b"Roubaix", b"Mende")
# The engine's record of a local activity (sequence, type, time), written by the SDK's core outside any codec.
MARQUEUR = r"\.events\.\d+\.markerRecordedEventAttributes\.details\.data\.payloads\.0"


def _payloads(noeud: Any, chemin: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every payload of a history in proto JSON (``{"metadata": …, "data": …}``), with where it is."""
    if isinstance(noeud, list):
        return [p for rang, element in enumerate(noeud) for p in _payloads(element, f"{chemin}.{rang}")]
    if not isinstance(noeud, dict):
        return []
    if "metadata" in noeud and "encoding" in noeud["metadata"]:
        return [(chemin, noeud)]
    return [p for nom, valeur in noeud.items() for p in _payloads(valeur, f"{chemin}.{nom}")]


def _encodage(payload: dict[str, Any]) -> bytes:
    return base64.b64decode(payload["metadata"]["encoding"])


async def _etat(http, demande_id: int) -> str:
    return (await http.get(f"/eir/{demande_id}")).json()["etat"]


async def _en_etat(http, demande_id: int, etat: str) -> None:
    async def atteint():
        return await _etat(http, demande_id) == etat

    await attendre(atteint, delai=60)


async def test_l_historique_ne_montre_aucun_texte_libre_en_clair_meme_apres_une_rotation(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    ancienne, nouvelle = cle_aleatoire(), cle_aleatoire()
    settings = settings_de_test(
        tmp_path,
        url_sqlite,
        boite_mail.port,
        temporal_address=env_dev.client.service_client.config.target_host,
        codec_cles=f"2026:{ancienne}",
        **delais_eir_courts(notification=1, enquete=1),
    )
    async with AsyncExitStack() as pile:
        service = await assembler(settings, pile)
        async with creer_worker(await client_temporal(settings), settings, service.sessions):
            agent, rh = await service.http("camille"), await service.http("rh-commune")
            demande_id = (await agent.post("/eir", json={})).json()["id"]
            await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1)
            tache = (await rh.get("/taches")).json()[0]
            reponse = await rh.post(
                f"/taches/{tache['id']}/completion",
                json={"carriere_verifiee": True, "indice_fin_de_carriere": 612, "commentaire": COMMENTAIRE_EMPLOYEUR},
            )
            assert reponse.status_code == 200, reponse.text
            await _en_etat(agent, demande_id, "ris_disponible")
            reponse = await agent.post(
                f"/eir/{demande_id}/ris/consolidation",
                json={"periodes": [{"annee": 1995, "commentaire": COMMENTAIRE_CONSOLIDATION}]},
            )
            assert reponse.status_code == 200, reponse.text
            await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 2)
            await mails_envoyes(service, len(boite_mail.sujets()))  # the worker stops with no mail half sent

        # Rotation: the API and the worker start again with a new key first; the old one only decrypts. The new
        # worker has nothing in its cache: it replays the history written with the old key.
        tournee = settings.model_copy(update={"codec_cles": f"2027:{nouvelle},2026:{ancienne}"})
        app = create_app(tournee)
        await pile.enter_async_context(app.router.lifespan_context(app))
        service = Service(tournee, service.sessions, service.pop, app, pile)
        async with creer_worker(await client_temporal(tournee), tournee, service.sessions):
            agent, rh, superviseur = (
                await service.http("camille"),
                await service.http("rh-commune"),
                await service.http("superviseur"),
            )
            consolidation = [t for t in (await rh.get("/taches")).json() if t["type"] == "consolidation_eir"]
            reponse = await rh.post(f"/taches/{consolidation[0]['id']}/completion", json={"carriere_verifiee": True})
            assert reponse.status_code == 200, reponse.text
            await _en_etat(agent, demande_id, "ris_disponible")
            assert (await agent.post(f"/eir/{demande_id}/ris/validation")).status_code == 200
            await _en_etat(agent, demande_id, "enquete_envoyee")
            reponse = await agent.post(
                f"/eir/{demande_id}/enquete", json={"reponses": [5, 4, 4, 5, 3], "commentaire": COMMENTAIRE_ENQUETE}
            )
            assert reponse.status_code == 200 and reponse.json()["etat"] == "close", reponse.text
            workflow_id = (await superviseur.get(f"/eir/{demande_id}")).json()["workflow_id"]

            # The history as the engine stores it and its UI reads it (a client without the codec).
            historique = await env_dev.client.get_workflow_handle(workflow_id).fetch_history()
            brut = b"".join(evenement.SerializeToString() for evenement in historique.events)
            assert [mot for mot in MOTS if mot in brut] == []
            trouves = _payloads(historique.to_json_dict())
            # In clear: only the engine's own record of each local activity (its number, type, time), never its
            # arguments or result.
            en_clair = [chemin for chemin, p in trouves if _encodage(p) != ENCODAGE]
            assert all(re.fullmatch(MARQUEUR, chemin) for chemin in en_clair), en_clair
            contenus = [p for _, p in trouves if _encodage(p) == ENCODAGE]
            assert len(contenus) > 20
            # Written before and after the rotation, with each key.
            assert {base64.b64decode(p["metadata"][CLE]) for p in contenus} == {b"2026", b"2027"}

            # A supervisor reads them through the codec route, as the Temporal UI does.
            reponse = await superviseur.post("/codec/decode", json={"payloads": contenus})
            assert reponse.status_code == 200, reponse.text
            clair = b"".join(base64.b64decode(p.get("data", "")) for p in reponse.json()["payloads"])
            assert [mot for mot in MOTS if mot not in clair] == []
            assert {_encodage(p) for p in reponse.json()["payloads"]} == {b"json/plain", b"binary/null"}
            for autre in ("camille", "rh-commune"):
                refus = await (await service.http(autre)).post("/codec/decode", json={"payloads": contenus})
                assert refus.status_code == 403
            anonyme = await service.http()
            assert (await anonyme.post("/codec/decode", json={"payloads": contenus})).status_code == 401


async def test_une_cle_retiree_trop_tot_est_nommee_et_un_contenu_altere_refuse():
    ancienne, nouvelle = base64.b64decode(cle_aleatoire()), base64.b64decode(cle_aleatoire())
    avant = CodecChiffrant([("2026", ancienne)])
    [chiffre] = await avant.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"Tourcoing"')])
    assert b"Tourcoing" not in chiffre.SerializeToString()
    # After the rotation: the new key encrypts, the old one still decrypts.
    apres = CodecChiffrant([("2027", nouvelle), ("2026", ancienne)])
    assert (await apres.decode([chiffre]))[0].data == b'"Tourcoing"'
    assert (await apres.encode([chiffre]))[0].metadata[CLE] == b"2027"
    with pytest.raises(ClesInconnues, match="chiffré avec la clé « 2026 », absente de CNRACL_CODEC_CLES"):
        await CodecChiffrant([("2027", nouvelle)]).decode([chiffre])
    # The key's id is bound to the ciphertext: relabelled, or under another key of that name, it does not decrypt.
    faux = Payload()
    faux.CopyFrom(chiffre)
    faux.metadata[CLE] = b"2027"
    with pytest.raises(ClesInconnues, match="ne se déchiffre pas avec la clé « 2027 »"):
        await apres.decode([faux])
    # What was written before the codec was turned on reads as it is.
    ancien = Payload(metadata={"encoding": b"json/plain"}, data=b"1")
    assert (await apres.decode([ancien]))[0] == ancien


async def test_le_message_d_une_erreur_est_chiffre_lui_aussi(env_dev, tmp_path):
    """An error may quote what a person typed: its message and stack trace leave encrypted, and come back."""
    settings = Settings(
        var_dir=tmp_path,
        temporal_address=env_dev.client.service_client.config.target_host,
        codec_cles=f"2026:{cle_aleatoire()}",
    )
    convertisseur = (await client_temporal(settings)).data_converter
    echec = Failure()
    await convertisseur.encode_failure(ApplicationError("motif refusé : Tourcoing", type="Refus"), echec)
    assert b"Tourcoing" not in echec.SerializeToString()
    relue = await convertisseur.decode_failure(echec)
    assert isinstance(relue, ApplicationError) and relue.message == "motif refusé : Tourcoing"
