"""The EIR across schemes (issue 25): in phase 2 the agent enters the trimestres each other base scheme gives them;
they are shown on the bilan and passed to the calculation, whose décote the bilan then gives; a consolidation naming
another scheme is routed as a rectification's is (the agent is mailed which scheme to contact, the employer gets
only the CNRACL periods); the bilan's « Et si… » section, on its page and in its PDF. Real Temporal dev server,
worker, SMTP sink and SQLite, through the API and the pages."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from datetime import date
from html import unescape

import pytest

import pension
from domain.erreurs import Refus
from domain.montants import euros
from pension.dates import date_age
from pension.estimation import poursuivre
from pension.parametres import Duree
from services.donnees import importer_autres_regimes
from tests.support.attente import attendre
from tests.support.environnement import delais_eir_courts, settings_sur, texte
from tests.support.fabriques import AGENT, EMPLOYEUR
from tests.support.lexique import mots_de_code
from tests.support.navigateur import navigateur
from tests.support.service import service_et_worker
from tests.support.texte_pdf import texte_pdf


@asynccontextmanager
async def _service(env_dev, tmp_path, boite_mail, url):
    settings = settings_sur(env_dev, tmp_path, url, boite_mail.port, **delais_eir_courts())
    async with service_et_worker(env_dev, settings) as service:
        yield service


async def _etat(api, demande_id: int, etat: str) -> None:
    async def atteint():
        return (await api.get(f"/eir/{demande_id}")).json()["etat"] == etat

    await attendre(atteint, delai=60)


async def _au_ris(agent, rh, boite_mail) -> int:
    """An EIR up to phase 2: the employer verified the career, the RIS awaits the agent's answer."""
    demande_id = (await agent.post("/eir", json={})).json()["id"]
    await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
    tache = (await rh.get("/taches")).json()[0]
    reponse = await rh.post(
        f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 612}
    )
    assert reponse.status_code == 200, reponse.text
    await _etat(agent, demande_id, "ris_disponible")
    return demande_id


def _aplati(texte_lu: str) -> str:
    """Words separated by one plain space (the page and the PDF space figures with different spaces)."""
    return " ".join(texte_lu.replace("\u202f", " ").replace("\u00a0", " ").split())


def _texte_de_la_page(html: str) -> str:
    return _aplati(unescape(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])))


def _au_premier_depart(bilan: dict, autres_regimes: int) -> dict:
    """The pension module's result for the bilan's first departure, given ``autres_regimes`` trimestres in the
    other schemes (the services continued to that date, as the estimation does)."""
    cas = pension.CasPension.model_validate(bilan["cas"] | {"duree_assurance_autres_regimes": autres_regimes})
    depart = date.fromisoformat(bilan["points"][0]["date_de_liquidation"])
    situation = date.fromisoformat(bilan["estimation"]["date_de_situation"])
    return pension.simuler(poursuivre(cas, situation, depart)).model_dump(mode="json")


async def test_quarante_trimestres_au_regime_general_comptent_dans_la_decote_du_bilan(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite) as service:
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        demande_id = await _au_ris(agent, rh, boite_mail)

        reponse = await agent.put(
            f"/eir/{demande_id}/autres-regimes",
            json={"autres_regimes": [{"regime": "regime_general", "trimestres": 40}]},
        )
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["duree_assurance_autres_regimes"] == 40
        assert (await agent.post(f"/eir/{demande_id}/ris/validation")).status_code == 200
        await _etat(agent, demande_id, "bilan_disponible")
        bilan = (await agent.get(f"/eir/{demande_id}/bilan")).json()

        assert bilan["cas"]["duree_assurance_autres_regimes"] == 40
        assert [(ligne["regime"], ligne["trimestres"], ligne["source"]) for ligne in bilan["autres_regimes"]] == [
            ("regime_general", 40, "affilie")
        ]
        avec, sans = _au_premier_depart(bilan, 40), _au_premier_depart(bilan, 0)
        assert avec["duree_assurance_tous_regimes"] == sans["duree_assurance_tous_regimes"] + 40
        # The 40 trimestres change the décote (or the surcote): the bilan gives the module's, not the CNRACL-only one.
        assert (avec["decote_trimestres"], avec["surcote_trimestres"]) != (
            sans["decote_trimestres"],
            sans["surcote_trimestres"],
        )
        chiffres = {chiffre["intitule"]: chiffre["valeur"] for chiffre in bilan["explication"]["chiffres"]}
        assert chiffres["Durée d'assurance tous régimes"] == f"{avec['duree_assurance_tous_regimes']} trimestres"
        if avec["decote_trimestres"]:
            assert chiffres["Décote"].startswith(f"{avec['decote_trimestres']} trimestre")
        else:
            assert "Décote" not in chiffres
        assert bilan["points"][0]["pension_brute_mensuelle"] == avec["pension_brute_mensuelle"]

        # The page and the PDF show every scheme and the « Et si… » section, with the module's figures.
        camille = await navigateur(service, "camille")
        page = await camille.get(f"/eir/{demande_id}/bilan")
        assert page.status_code == 200 and mots_de_code(page.text) == []
        lu = _texte_de_la_page(page.text)
        pdf = _aplati(texte_pdf((await camille.get(f"/documents/{bilan['document_id']}/pdf")).content))
        plus_tard = next(s for s in bilan["et_si"] if s["cle"] == "depart_plus_tard")
        plus_tard_resultat = {c["intitule"]: c["valeur"] for c in plus_tard["chiffres"]}
        for texte_lu in (lu, pdf):
            assert "Vos droits dans tous les régimes" in texte_lu
            assert "le régime général (Assurance retraite" in texte_lu and "déclarés par vous" in texte_lu
            assert "Et si…" in texte_lu
            for scenario in bilan["et_si"]:
                assert scenario["titre"] in texte_lu, scenario["titre"]
            assert _aplati(f"Pension : {plus_tard_resultat['Pension']}") in texte_lu
        assert {s["cle"] for s in bilan["et_si"]} >= {"depart_plus_tard", "cumul_emploi_retraite", "rachat_etudes"}


async def test_plus_tard_et_cumul_sont_ceux_du_module_de_calcul(env_dev, tmp_path, boite_mail, url_sqlite):
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite) as service:
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        demande_id = await _au_ris(agent, rh, boite_mail)
        assert (await agent.post(f"/eir/{demande_id}/ris/validation")).status_code == 200
        await _etat(agent, demande_id, "bilan_disponible")
        bilan = (await agent.get(f"/eir/{demande_id}/bilan")).json()

    assert bilan["autres_regimes"] == [] and bilan["cas"]["duree_assurance_autres_regimes"] == 0
    scenarios = {s["cle"]: s for s in bilan["et_si"]}
    cas = pension.CasPension.model_validate(bilan["cas"])
    situation = date.fromisoformat(bilan["estimation"]["date_de_situation"])
    premier = pension.simuler(poursuivre(cas, situation, date.fromisoformat(bilan["points"][0]["date_de_liquidation"])))
    limite = date_age(cas.date_de_naissance, Duree(premier.limite_age.ans, premier.limite_age.mois))
    tard = pension.simuler(poursuivre(cas, situation, limite))
    chiffres = {c["intitule"]: c["valeur"] for c in scenarios["depart_plus_tard"]["chiffres"]}
    assert chiffres["Départ"] == f"le {limite:%d/%m/%Y}"
    assert chiffres["Pension"] == f"{euros(tard.pension_brute_mensuelle)} brut par mois"
    assert tard.pension_brute_mensuelle > premier.pension_brute_mensuelle
    cumul = {c["intitule"]: c["valeur"] for c in scenarios["cumul_emploi_retraite"]["chiffres"]}
    if premier.plafond_cumul_emploi_retraite_annuel is not None:
        assert "Revenus d'activité cumulables sans réduction" in cumul
    # A scenario the module cannot compute yet says so, without figures.
    if "rachat_etudes" not in pension.CasPension.model_fields:
        assert scenarios["rachat_etudes"]["chiffres"] == [] and scenarios["rachat_etudes"]["remarque"]


async def test_une_consolidation_d_un_autre_regime_oriente_l_agent_vers_ce_regime(
    env_dev, tmp_path, boite_mail, url_sqlite
):
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite) as service:
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        demande_id = await _au_ris(agent, rh, boite_mail)
        avant = len(boite_mail.pour(AGENT))

        reponse = await agent.post(
            f"/eir/{demande_id}/ris/consolidation",
            json={
                "periodes": [
                    {"annee": 1990, "commentaire": "Saison agricole absente", "regime": "msa"},
                    {"annee": 1995, "commentaire": "Contrat manquant"},
                ]
            },
        )
        assert reponse.status_code == 200, reponse.text
        await _etat(agent, demande_id, "consolidation_employeur")
        # The employer's task holds the CNRACL period only.
        tache = next(t for t in (await rh.get("/taches")).json() if t["type"] == "consolidation_eir")
        detail = (await rh.get(f"/taches/{tache['id']}")).json()
        assert detail["details"]["annees"] == [1995], detail["details"]
        # The agent is told which scheme to contact, as for a rectification.
        await attendre(lambda: any("MSA" in str(m["Subject"]) for m in boite_mail.pour(AGENT)), delai=60)
        orientation = next(m for m in boite_mail.pour(AGENT) if "MSA" in str(m["Subject"]))
        assert (
            orientation["Subject"].strip()
            == "Votre demande de rectification : contactez la Mutualité sociale agricole (MSA)"
        )
        corps = texte(orientation)
        assert "https://www.msa.fr" in corps and "du 1er janvier 1990 au 31 décembre 1990" in corps
        rects = (await agent.get("/rectifications")).json()
        assert [(r["routage"], r["periode_debut"], r["periode_fin"]) for r in rects] == [
            ("autre_regime", "1990-01-01", "1990-12-31")
        ]
        assert len(boite_mail.pour(AGENT)) > avant

        # A consolidation naming only another scheme leaves the RIS awaiting the agent: no task for the employer.
        reponse = await rh.post(f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True})
        assert reponse.status_code == 200, reponse.text
        await _etat(agent, demande_id, "ris_disponible")
        taches = len((await rh.get("/taches")).json())
        reponse = await agent.post(
            f"/eir/{demande_id}/ris/consolidation",
            json={"periodes": [{"annee": 1988, "commentaire": "Emploi salarié privé", "regime": "regime_general"}]},
        )
        assert reponse.status_code == 200 and reponse.json()["etat"] == "ris_disponible", reponse.text
        assert len((await rh.get("/taches")).json()) == taches
        await attendre(lambda: any("Carsat" in sujet for sujet in boite_mail.sujets(AGENT)), delai=60)


async def test_les_refus_nomment_le_champ_et_la_regle(env_dev, tmp_path, boite_mail, url_sqlite):
    async with _service(env_dev, tmp_path, boite_mail, url_sqlite) as service:
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        demande_id = (await agent.post("/eir", json={})).json()["id"]
        # Before phase 2: the RIS does not await the agent yet.
        trop_tot = await agent.put(
            f"/eir/{demande_id}/autres-regimes", json={"autres_regimes": [{"regime": "msa", "trimestres": 4}]}
        )
        assert trop_tot.status_code == 422 and "phase 2" in trop_tot.text, trop_tot.text
        await attendre(lambda: len(boite_mail.pour(EMPLOYEUR)) == 1, delai=60)
        tache = (await rh.get("/taches")).json()[0]
        reponse = await rh.post(
            f"/taches/{tache['id']}/completion", json={"carriere_verifiee": True, "indice_fin_de_carriere": 612}
        )
        assert reponse.status_code == 200, reponse.text
        await _etat(agent, demande_id, "ris_disponible")

        complementaire = await agent.put(
            f"/eir/{demande_id}/autres-regimes", json={"autres_regimes": [{"regime": "ircantec", "trimestres": 8}]}
        )
        assert complementaire.status_code == 422
        assert "autres_regimes.0.regime" in complementaire.text and "complémentaire" in complementaire.text
        inconnu = await agent.post(
            f"/eir/{demande_id}/ris/consolidation",
            json={"periodes": [{"annee": 1990, "commentaire": "x", "regime": "lune"}]},
        )
        assert inconnu.status_code == 422 and "periodes.0.regime" in inconnu.text, inconnu.text
        assert (await agent.get("/rectifications")).json() == []

        # The page's form: one field per base scheme; what it stores comes back in it.
        camille = await navigateur(service, "camille")
        page = await camille.get(f"/eir/{demande_id}")
        assert 'name="trimestres_msa"' in page.text and 'name="trimestres_ircantec"' not in page.text
        envoi = await camille.post(f"/eir/{demande_id}/autres-regimes", {"trimestres_msa": "6"})
        assert envoi.status_code == 303, envoi.text
        page = await camille.get(envoi.headers["location"])
        assert re.search(r'name="trimestres_msa" value="6"', page.text)
        assert "Vos trimestres dans les autres régimes sont enregistrés" in page.text
        assert mots_de_code(page.text) == []
        # The consolidation form names a period's scheme in a list: sent to that scheme, the RIS still awaiting.
        assert '<option value="msa">la Mutualité sociale agricole (MSA)</option>' in page.text
        envoi = await camille.post(
            f"/eir/{demande_id}/ris/consolidation",
            {"annee": ["1990", "", ""], "commentaire": ["Saison agricole", "", ""], "regime": ["msa", "", ""]},
        )
        assert envoi.status_code == 303, envoi.text
        rects = (await agent.get("/rectifications")).json()
        assert [(r["routage"], r["periode_debut"]) for r in rects] == [("autre_regime", "1990-01-01")]
        assert (await agent.get(f"/eir/{demande_id}")).json()["etat"] == "ris_disponible"


async def test_les_donnees_inter_regimes_arrivent_par_fichier_et_la_saisie_de_l_agent_prevaut(
    env_dev, tmp_path, boite_mail, url_base
):
    async with _service(env_dev, tmp_path, boite_mail, url_base) as service:
        fichier = tmp_path / "inter_regimes.csv"
        nir = service.pop.affilie.nir
        fichier.write_text(f"nir;regime;trimestres\n{nir};regime_general;30\n{nir};msa;6\n", encoding="utf-8")
        assert await importer_autres_regimes(service.settings, fichier) == 1
        agent, rh = await service.http("camille"), await service.http("rh-commune")
        demande_id = await _au_ris(agent, rh, boite_mail)
        # The RIS of phase 2 already shows what the other schemes sent.
        ris = (await agent.get(f"/eir/{demande_id}/ris")).json()
        assert [(ligne["regime"], ligne["trimestres"], ligne["source"]) for ligne in ris["autres_regimes"]] == [
            ("regime_general", 30, "inter_regimes"),
            ("msa", 6, "inter_regimes"),
        ]
        page = await (await navigateur(service, "camille")).get(f"/eir/{demande_id}/documents/{ris['document_id']}")
        lu = _texte_de_la_page(page.text)
        assert (
            "Vos droits dans tous les régimes" in lu
            and "la Mutualité sociale agricole (MSA) 6 reçus des autres régimes" in lu
        )
        reponse = await agent.put(
            f"/eir/{demande_id}/autres-regimes",
            json={"autres_regimes": [{"regime": "regime_general", "trimestres": 32}]},
        )
        assert reponse.status_code == 200, reponse.text
        assert reponse.json()["duree_assurance_autres_regimes"] == 32 + 6

        faux = tmp_path / "faux.csv"
        faux.write_text(f"nir;regime;trimestres\n{nir};ircantec;4\n", encoding="utf-8")
        with pytest.raises(Refus, match="ligne 2"):
            await importer_autres_regimes(service.settings, faux)
