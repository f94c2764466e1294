"""The file the GIP Info Retraite collector receives (docs/collecteur.md), from a whole campaign on Temporal's
time-skipping server with the real activities: read back with the key, it holds every period of each agent's CIR
(current and former affiliates of the cohorts), their children, and no NIR in clear on disk; its manifest
verifies, and an altered file or manifest, or another key, is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from activities.campagne_collecteur import FichierCollecteurInvalide, fichiers_du_lot, lire_lot
from domain.cir import LigneCir
from persistence import depots
from persistence.db import transaction
from persistence.fabrique import creer_employeur, identifiant
from persistence.models import Employeur, Enfant, LigneCirTable
from persistence.models_campagne import ExportCampagne
from tests.support.campagne import campagne_et_worker
from tests.support.environnement import settings_de_test
from workflows.campagne_client import demande_campagne, demarrer_campagne


@pytest.fixture
async def banc(env_temps_accelere, tmp_path, boite_mail, url_base):
    settings = settings_de_test(tmp_path, url_base, boite_mail.port, campagne_taille_lot_employeurs=2)
    async with campagne_et_worker(env_temps_accelere, settings) as (sessions, pop):
        yield env_temps_accelere, settings, sessions, pop


async def test_le_fichier_du_collecteur_relu_contient_toute_la_carriere(banc):
    env, settings, sessions, pop = banc
    annee = pop.annee
    # Bruno worked part time for a second employer (a former one, outside the campaign) during year N-3.
    async with transaction(sessions) as session:
        ancien = await creer_employeur(session, 21590350, "Commune de Vieux-Bourg", "rh@vieux-bourg.fr")
        await depots.ecrire_ligne_cir(
            session,
            identifiant(pop.agents["bruno"]),
            LigneCir(
                date_debut=date(annee - 3, 1, 1),
                date_fin=date(annee - 3, 3, 31),
                quotite=50,
                nature="non_titulaire_valide",
                indice_majore=366,
            ),
            ancien.id,
            datetime.now(UTC),
        )
        siret = ancien.siret

    handle = await demarrer_campagne(env.client, settings.task_queue, demande_campagne(settings, annee))
    await handle.result()

    dossier = Path(settings.var_dir) / "exports" / f"campagne-dai-{annee}"
    async with sessions() as session:
        exports = (await session.exec(select(ExportCampagne))).all()
        lignes_cir = (await session.exec(select(LigneCirTable).order_by(col(LigneCirTable.date_debut)))).all()
        enfants = (await session.exec(select(Enfant))).all()
        sirets = {e.id: e.siret for e in (await session.exec(select(Employeur))).all()}
    cle = settings.cle_collecteur()
    transmis: dict[str, dict] = {}
    for export in exports:
        chiffre, manifeste_fichier = (dossier / nom for nom in fichiers_du_lot(export.lot))
        # At rest, the file holds no NIR and no name in clear.
        for agent in pop.agents.values():
            assert agent.nir.encode() not in chiffre.read_bytes() and agent.nom.encode() not in chiffre.read_bytes()
        manifeste, lignes = lire_lot(manifeste_fichier, cle)
        assert manifeste["format"] == "cnracl-dai-collecteur/2" and manifeste["lot"] == export.lot
        assert sum(manifeste["par_cohorte"].values()) == manifeste["agents"] == len(lignes)
        assert manifeste["periodes"] == sum(len(ligne["periodes"]) for ligne in lignes)
        transmis |= {ligne["nir"]: ligne for ligne in lignes}

    # Every agent of the cohorts, the former affiliate included (Rachid left in N-1: the collector needs his
    # CNRACL periods for the documents another scheme sends him).
    par_nir = {agent.nir: (cle_agent, agent) for cle_agent, agent in pop.agents.items()}
    assert {par_nir[nir][0] for nir in transmis} == set(pop.attendus) | {"rachid"}
    assert transmis[pop.agents["rachid"].nir]["statut"] == "ancien_affilie"
    assert transmis[pop.agents["rachid"].nir]["siret_employeur"] is None
    for nir, ligne in transmis.items():
        cle_agent, agent = par_nir[nir]
        assert (ligne["nom"], ligne["prenom"], ligne["date_de_naissance"]) == (
            agent.nom,
            agent.prenom,
            agent.date_de_naissance.isoformat(),
        )
        assert ligne["cohorte"] == pop.attendus.get(cle_agent, "ris")
        # Every period of the agent's CIR, with its dates, quotité, nature, category, index and employer.
        assert ligne["periodes"] == [
            {
                "annee": periode.annee,
                "date_debut": periode.date_debut.isoformat(),
                "date_fin": periode.date_fin.isoformat(),
                "quotite": periode.quotite,
                "nature": periode.nature,
                "categorie": periode.categorie,
                "indice_majore": periode.indice_majore,
                "siret_employeur": sirets.get(periode.employeur_id),
            }
            for periode in lignes_cir
            if periode.affilie_id == agent.id
        ], cle_agent
        # (The newcomer's first periods, in year N, are not in the CIR yet.)
        assert ligne["periodes"] or ligne["cohorte"] == "information_generale", cle_agent
        assert sorted(e["date_de_naissance"] for e in ligne["enfants"]) == sorted(
            e.date_de_naissance.isoformat() for e in enfants if e.affilie_id == agent.id
        )
    (partiel,) = [p for p in transmis[pop.agents["bruno"].nir]["periodes"] if p["annee"] == annee - 3]
    assert (partiel["quotite"], partiel["nature"], partiel["siret_employeur"]) == (50, "non_titulaire_valide", siret)


async def test_un_fichier_altere_ou_une_autre_cle_sont_refuses(banc):
    env, settings, _, pop = banc
    handle = await demarrer_campagne(env.client, settings.task_queue, demande_campagne(settings, pop.annee))
    await handle.result()
    dossier = Path(settings.var_dir) / "exports" / f"campagne-dai-{pop.annee}"
    chiffre, manifeste = (dossier / nom for nom in fichiers_du_lot(0))
    cle = settings.cle_collecteur()
    lire_lot(manifeste, cle)  # intact: verifies

    with pytest.raises(FichierCollecteurInvalide, match="autre clé"):
        lire_lot(manifeste, bytes(32))

    original = chiffre.read_bytes()
    chiffre.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(FichierCollecteurInvalide, match=r"SHA-256 .* ne correspond pas au manifeste"):
        lire_lot(manifeste, cle)

    # The manifest rewritten to match the altered file: its signature no longer verifies.
    contenu = json.loads(manifeste.read_text())
    original_manifeste = manifeste.read_text()
    contenu["sha256_chiffre"] = hashlib.sha256(chiffre.read_bytes()).hexdigest()
    manifeste.write_text(json.dumps(contenu))
    with pytest.raises(FichierCollecteurInvalide, match="signature du manifeste"):
        lire_lot(manifeste, cle)

    # A count changed in the manifest: refused too.
    chiffre.write_bytes(original)
    contenu = json.loads(original_manifeste)
    contenu["periodes"] += 1
    manifeste.write_text(json.dumps(contenu))
    with pytest.raises(FichierCollecteurInvalide, match="signature du manifeste"):
        lire_lot(manifeste, cle)
    manifeste.write_text("{pas du JSON")
    with pytest.raises(FichierCollecteurInvalide, match="pas un manifeste JSON lisible"):
        lire_lot(manifeste, cle)
