"""Who holds a task in the employer's inbox: a user takes an unassigned task for itself, the establishment's
administrator assigns it to one of its users, a supervisor reassigns it or takes it back; each change is an
event of the process's history (hash chain intact); another establishment never sees nor gets the task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from domain.campagne import TYPE_TACHE_CAMPAGNE, id_workflow_campagne
from domain.task_queues import id_workflow_eir
from persistence import depots
from persistence.audit import verifier
from persistence.comptes import creer_compte, hacher
from persistence.db import transaction
from persistence.models import Compte, Evenement, Tache
from tests.support.fabriques import avec_question_secrete, inserer_tache, relire, tache_de_verification
from tests.support.navigateur import navigateur
from tests.support.service import CODE, service_seul


@pytest.fixture
async def service(tmp_path, url_sqlite):
    async with service_seul(tmp_path, url_sqlite) as service:
        pop = service.pop
        maintenant = datetime.now(UTC)
        async with transaction(service.sessions) as session:
            comptes = {}
            for identifiant, prenom, nom in (("paie", "Inès", "Roux"), ("carrieres", "Paul", "Lefèvre")):
                compte = await creer_compte(
                    session,
                    role="employeur",
                    identifiant=identifiant,
                    code_hash=hacher(CODE),
                    siret=pop.employeur.siret,
                )
                compte.prenom, compte.nom = prenom, nom
                session.add(avec_question_secrete(compte))
                comptes[identifiant] = compte
            await session.flush()
            demande = await depots.creer_demande_eir(
                session, pop.affilie, date.today(), "en_ligne", maintenant, id_workflow_eir
            )
            eir = await tache_de_verification(
                session, demande, "attribution-eir", echeance=maintenant + timedelta(days=10), creee_le=maintenant
            )
            campagne = await inserer_tache(
                session,
                "attribution-campagne",
                TYPE_TACHE_CAMPAGNE,
                id_workflow_campagne(2026),  # its reference year (2025) is in the agent's CIR
                pop.employeur.id,
                pop.jeune.id,
                echeance=maintenant + timedelta(days=20),
                creee_le=maintenant,
            )
        comptes_ids = {}
        async with service.sessions() as session:
            for c in (await session.exec(select(Compte))).all():
                comptes_ids[c.identifiant] = c.id
        service.taches = {"eir": eir.id, "campagne": campagne.id}
        service.comptes = comptes_ids
        service.workflow_eir = demande.workflow_id
        yield service


async def _evenements(service, workflow_id: str) -> list[Evenement]:
    async with service.sessions() as session:
        return [e for e in await depots.historique(session, workflow_id) if e.type.startswith("tache_")]


async def test_un_utilisateur_prend_en_charge_depuis_la_corbeille(service):
    eir = service.taches["eir"]
    paie = await navigateur(service, "paie")
    corbeille = await paie.get("/taches")
    assert "Non attribuée" not in corbeille.text  # a button instead, named with the task
    assert f'Je prends en charge<span class="fr-sr-only"> la tâche n° {eir}</span>' in corbeille.text
    reponse = await paie.post(f"/taches/{eir}/attribution", {"compte_id": "moi", "retour": "corbeille"})
    assert reponse.status_code == 303 and reponse.headers["location"] == "/taches?attribution=mes&message=prise"
    mes = await paie.get(reponse.headers["location"])
    assert "Vous avez pris la tâche en charge" in mes.text
    assert f"Tâche n° {eir}</a>" in mes.text and "Inès Roux (vous)" in mes.text
    assert f"Tâche n° {service.taches['campagne']}</a>" not in mes.text  # not hers
    libres = (await paie.get("/taches", params={"attribution": "non_attribuees"})).text
    assert f"Tâche n° {service.taches['campagne']}</a>" in libres and f"Tâche n° {eir}</a>" not in libres
    # Her colleague sees who holds it, and cannot take it from her.
    carrieres = await navigateur(service, "carrieres")
    assert "Inès Roux" in (await carrieres.get("/taches")).text
    page = await carrieres.get(f"/taches/{eir}")
    assert "Prise en charge par <strong>Inès Roux</strong>" in page.text and "Je prends en charge" not in page.text
    assert "Toute personne de l'établissement peut terminer la tâche" in page.text
    refus = await carrieres.post(f"/taches/{eir}/attribution", {"compte_id": "moi"})
    assert refus.status_code == 409
    assert "est déjà prise en charge par Inès Roux : demandez à l&#39;administrateur" in refus.text
    # The event is in the process's history, by her account; the chain holds.
    evenements = await _evenements(service, service.workflow_eir)
    assert [(e.type, e.compte_id, e.details["attribuee_a"]) for e in evenements] == [
        ("tache_prise_en_charge", service.comptes["paie"], service.comptes["paie"])
    ]
    async with service.sessions() as session:
        assert (await verifier(session)).intacte
    # She lets it go: nobody holds it any more.
    page = await paie.get(f"/taches/{eir}")
    assert "Je ne m'en occupe plus" in page.text
    assert (await paie.post(f"/taches/{eir}/attribution", {"compte_id": ""})).status_code == 303
    assert (await relire(service.sessions, Tache, eir)).attribuee_a is None


async def test_un_utilisateur_n_attribue_pas_a_un_collegue(service):
    eir = service.taches["eir"]
    api = await service.http("paie")
    refus = await api.post(f"/taches/{eir}/attribution", json={"compte_id": service.comptes["carrieres"]})
    assert refus.status_code == 403
    assert refus.json()["detail"].startswith(
        "Personne chargée de la tâche : vous pouvez prendre une tâche en charge pour vous-même"
    )
    assert (await api.post(f"/taches/{eir}/attribution", json={})).status_code == 422  # the field is required
    pris = await api.post(f"/taches/{eir}/attribution", json={"compte_id": service.comptes["paie"]})
    assert pris.status_code == 200
    assert pris.json()["attribuee_a"] == service.comptes["paie"] and pris.json()["attribuee_a_nom"] == "Inès Roux"
    # Taking it again changes nothing (no second event).
    assert (
        await api.post(f"/taches/{eir}/attribution", json={"compte_id": service.comptes["paie"]})
    ).status_code == 200
    assert len(await _evenements(service, service.workflow_eir)) == 1
    lu = await api.get(f"/taches/{eir}/attribution")
    assert lu.json()["attribuee_le"] is not None


async def test_l_administrateur_attribue_dans_son_etablissement_seulement(service):
    eir = service.taches["eir"]
    rh = await navigateur(service, "rh-commune")  # the establishment's administrator
    page = await rh.get(f"/taches/{eir}")
    assert '<label class="fr-label" for="compte_id">Personne qui prend la tâche en charge</label>' in page.text
    assert "Inès Roux (paie)" in page.text and "Paul Lefèvre (carrieres)" in page.text
    assert "drh" not in page.text  # another establishment's account is not offered
    reponse = await rh.post(f"/taches/{eir}/attribution", {"compte_id": str(service.comptes["carrieres"])})
    assert reponse.status_code == 303
    page = await rh.get(reponse.headers["location"])
    assert "La tâche est attribuée" in page.text and "Prise en charge par <strong>Paul Lefèvre</strong>" in page.text
    # An account of another employer: refused on the field, as if it did not exist.
    refus = await rh.post(f"/taches/{eir}/attribution", {"compte_id": str(service.comptes["drh"])})
    assert refus.status_code == 404
    assert '<p id="compte_id-erreur" class="fr-error-text">aucun utilisateur actif n° ' in refus.text
    # The other employer sees neither the task nor its holder.
    drh = await service.http("drh")
    assert (await drh.post(f"/taches/{eir}/attribution", json={"compte_id": service.comptes["drh"]})).status_code == 404
    assert (await drh.get(f"/taches/{eir}/attribution")).status_code == 404
    # An agent may not.
    assert (
        await (await service.http("camille")).post(f"/taches/{eir}/attribution", json={"compte_id": None})
    ).status_code == 403
    assert (await relire(service.sessions, Tache, eir)).attribuee_a == service.comptes["carrieres"]


async def test_le_superviseur_reattribue_et_retire(service):
    eir = service.taches["eir"]
    api = await service.http("superviseur")
    assert (
        await api.post(f"/taches/{eir}/attribution", json={"compte_id": service.comptes["paie"]})
    ).status_code == 200
    superviseur = await navigateur(service, "superviseur")
    page = await superviseur.get(f"/taches/{eir}")
    assert "Réattribuer la tâche" in page.text and "Je prends en charge" not in page.text
    reponse = await superviseur.post(f"/taches/{eir}/attribution", {"compte_id": str(service.comptes["carrieres"])})
    assert reponse.status_code == 303
    reponse = await superviseur.post(f"/taches/{eir}/attribution", {"compte_id": ""})
    assert reponse.status_code == 303
    page = await superviseur.get(reponse.headers["location"])
    assert "La tâche n&#39;est plus attribuée" in page.text and "Personne n'a encore pris cette tâche" in page.text
    evenements = await _evenements(service, service.workflow_eir)
    assert [(e.type, e.acteur, e.details["precedent"]) for e in evenements] == [
        ("tache_attribuee", "superviseur", None),
        ("tache_attribuee", "superviseur", service.comptes["paie"]),
        ("tache_liberee", "superviseur", service.comptes["carrieres"]),
    ]
    detail = await superviseur.get(f"/processus/{service.workflow_eir}")
    assert "Tâche attribuée chez l&#39;employeur" in detail.text
    async with service.sessions() as session:
        assert (await verifier(session)).intacte


async def test_un_collegue_termine_la_tache_prise_par_un_autre(service):
    """Completing stays open to every user of the establishment (the holder says who works on it)."""
    campagne = service.taches["campagne"]
    api = await service.http("paie")
    assert (
        await api.post(f"/taches/{campagne}/attribution", json={"compte_id": service.comptes["paie"]})
    ).status_code == 200
    carrieres = await navigateur(service, "carrieres")
    await carrieres.get(f"/taches/{campagne}")
    reponse = await carrieres.post(f"/taches/{campagne}", {"carriere_verifiee": "oui", "commentaire": ""})
    assert reponse.status_code == 303
    assert (await relire(service.sessions, Tache, campagne)).etat == "terminee"
    # The closed task says who answered it and when, no longer a deadline nor « nobody has taken it ».
    page = await carrieres.get(f"/taches/{campagne}")
    assert "Traitée le " in page.text and "par <strong>Paul Lefèvre</strong>" in page.text
    assert "À traiter au plus tard" not in page.text and "Personne n'a encore pris" not in page.text
    assert "La réponse donnée" in page.text and "Commentaire : aucun" in page.text  # and what was answered
    # A closed task is no longer assigned.
    refus = await api.post(f"/taches/{campagne}/attribution", json={"compte_id": None})
    assert refus.status_code == 409 and "ne s'attribue plus" in refus.json()["detail"]


async def test_la_corbeille_json_dit_qui_tient_chaque_tache_et_filtre(service):
    eir, campagne = service.taches["eir"], service.taches["campagne"]
    paie, carrieres = await service.http("paie"), await service.http("carrieres")
    assert (
        await paie.post(f"/taches/{eir}/attribution", json={"compte_id": service.comptes["paie"]})
    ).status_code == 200

    toutes = {t["id"]: t for t in (await paie.get("/taches")).json()}
    assert toutes[eir]["attribuee_a"] == service.comptes["paie"] and toutes[eir]["attribuee_le"] is not None
    assert toutes[campagne]["attribuee_a"] is None
    assert [t["id"] for t in (await paie.get("/taches", params={"attribution": "mes"})).json()] == [eir]
    assert [t["id"] for t in (await carrieres.get("/taches", params={"attribution": "mes"})).json()] == []
    libres = [t["id"] for t in (await carrieres.get("/taches", params={"attribution": "non_attribuees"})).json()]
    assert libres == [campagne]
    refus = await paie.get("/taches", params={"attribution": "quelques-unes"})
    assert refus.status_code == 422 and "attribution" in refus.text
