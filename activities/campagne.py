"""The DAI campaign's side effects. Each method is one activity; the class holds its dependencies.

Activities work on a batch of employers (a "lot") one packet at a time, in bulk SQL; every write
is idempotent (unique keys), and the counts they return are read back from the tables, so a
retried packet changes nothing and reports the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

import pension
from activities.campagne_collecteur import Collecteur, LotATransmettre
from activities.campagne_mails import ExpediteurGroupe, MailCampagne
from activities.campagne_papier import Imprimeur, Pli, RenduLettres
from activities.concurrence import ensemble
from activities.documents import contenu_eig, contenu_ris
from domain import campagne as dai
from domain.adresse import (
    cle_incident_courriel,
    cle_incident_courriel_employeur,
    cle_incident_sans_adresse,
    lignes_adresse,
    par_courriel,
)
from domain.campagne import (
    LIVRAISONS_PAPIER,
    LOT_ANCIENS_AFFILIES,
    BilanLot,
    Cohorte,
    EtatCible,
    Livraison,
    TacheLot,
    TravailLot,
)
from domain.etats import TypeIncident
from domain.processus import DONNEES_INVALIDES
from domain.regles import parametre
from notifications.rendu import accord, date_fr, date_heure_fr
from persistence import depots_campagne as depots
from persistence import depots_echeances as echeances
from persistence import livraison_campagne as livraison
from persistence.db import SessionFactory, transaction

AGENTS_AFFICHES = 100  # agents listed in one employer mail; the inbox holds them all

_INFORMATION_GENERALE = [
    "le système de retraite par répartition",
    "les règles d'acquisition de droits à pension et le mode de calcul des pensions",
    "l'impact d'une activité à temps partiel ou donnant lieu à cotisations forfaitaires sur vos droits",
    "la prise en compte des activités accomplies dans l'Union européenne ou dans un État tiers",
]
TITRES = {
    Cohorte.ris.value: "Relevé individuel de situation",
    Cohorte.eig.value: "Estimation indicative globale",
    Cohorte.information_generale.value: "Document d'information générale sur la retraite",
}


class ActivitesCampagne:
    def __init__(
        self,
        sessions: SessionFactory,
        mails: ExpediteurGroupe,
        collecteur: Collecteur,
        url_publique: str,
        mail_superviseurs: str,
        imprimeur: Imprimeur,
        essais_collecteur: int,
    ) -> None:
        self._sessions = sessions
        self._mails = mails
        self._collecteur = collecteur
        self._url = url_publique.rstrip("/")
        self._mail_superviseurs = mail_superviseurs
        self._imprimeur = imprimeur
        self._essais_collecteur = max(1, essais_collecteur)

    # ------------------------------------------------------------------ campaign

    @activity.defn(name="campagne_ouvrir")
    async def ouvrir(self, ouverture: dai.OuvertureCampagne) -> int:
        async with transaction(self._sessions) as session:
            campagne = await depots.ouvrir(session, ouverture)
            if campagne.id is None:
                raise ApplicationError("campagne enregistrée sans numéro", type="CampagneSansNumero")
            return campagne.id

    @activity.defn(name="campagne_calendrier")
    async def calendrier(self, lancement: dai.LancementAnnuel) -> dai.Calendrier:
        """The calendar of a scheduled campaign (dated parameters are read here, not in the workflow)."""
        return lancement.calendrier()

    @activity.defn(name="campagne_transition")
    async def transition(self, transition: dai.TransitionCampagne) -> None:
        async with transaction(self._sessions) as session:
            await depots.appliquer_transition(session, transition)

    @activity.defn(name="campagne_selectionner")
    async def selectionner(self, selection: dai.Selection) -> dai.ResultatSelection:
        le = date(selection.annee, 7, 1)
        async with transaction(self._sessions) as session:
            return await depots.selectionner(
                session,
                selection.campagne_id,
                dai.cohortes(selection.annee),
                selection.taille_lot_employeurs,
                selection.nb_tranches,
                parametre("ris", "jours_par_trimestre", le).valeur,
                selection.nouveaux_affilies,
            )

    @activity.defn(name="campagne_signaler_retardataires")
    async def signaler_retardataires(self, cloture: dai.Cloture) -> int:
        """At the cut-off: flag the late employers, close their open campaign tasks (not those of an employer with
        a later deadline of its own) and mail their list to the supervisors, once. An employer whose launch mail or
        reminders the mail server refused is an incident (its tasks are in its inbox all the same)."""
        async with transaction(self._sessions) as session:
            await echeances.signaler_en_retard(session, cloture.campagne_id, cloture.workflow_id, cloture.horodatage)
            retard = await depots.retardataires(session, cloture.campagne_id, cloture.workflow_id)
            await echeances.clore_taches(session, cloture.campagne_id, cloture.workflow_id, cloture.horodatage)
            for employeur in await livraison.employeurs_refuses(session, cloture.workflow_id):
                await livraison.signaler_incident(
                    session,
                    cloture.campagne_id,
                    cle_incident_courriel_employeur(employeur["id"]),
                    TypeIncident.metier.value,
                    "mise_a_jour",
                    f"Le serveur de messagerie a refusé l'adresse électronique de l'employeur "
                    f"{employeur['raison_sociale']} : ses tâches de campagne sont dans sa corbeille, mais il n'a "
                    "reçu ni l'annonce ni les rappels. Corrigez son adresse électronique et prévenez-le.",
                    cloture.horodatage,
                    # the employer's mails that did not reach it, refused or bounced: the count a bounce writes too
                    tentatives=employeur["echecs"],
                    cumul=False,
                )
        if retard:
            await self._mails.envoyer(
                [
                    MailCampagne(
                        f"{cloture.workflow_id}:retardataires:superviseur",
                        "campagne_retardataires",
                        self._mail_superviseurs,
                        {
                            "url": self._url,
                            "campagne": {"annee": cloture.annee, "annee_envoi": cloture.annee + 1},
                            "nb_employeurs": len(retard),
                            "nb_taches": sum(r["taches_ouvertes"] for r in retard),
                            "employeurs": retard[:AGENTS_AFFICHES],
                        },
                    )
                ],
                cloture.workflow_id,
                cloture.horodatage,
            )
        return len(retard)

    @activity.defn(name="campagne_previsionnel")
    async def previsionnel(self, demande: dai.Previsionnel) -> dict[str, int]:
        """The dry run's report, stored with the campaign: cohorts, employers, the load week by week."""
        async with transaction(self._sessions) as session:
            charge = await depots.charge_previsionnelle(session, demande.campagne_id)
            rapport = charge | {"semaines": _semaines(demande.calendrier, charge)}
            await depots.enregistrer_previsionnel(session, demande.campagne_id, rapport)
        return {
            "agents": sum(p["agents"] for p in charge["par_age"]),
            "taches": charge["taches"],
            "employeurs": charge["employeurs_concernes"],
        }

    @activity.defn(name="campagne_clore_envoi")
    async def clore_envoi(self, cloture: dai.ClotureEnvoi) -> int:
        """The sending over at its legal end: the agents still without their document marked so and counted, and
        an incident telling the supervisors how many (a retry counts the same and writes the same incident)."""
        async with transaction(self._sessions) as session:
            nombre = await depots.clore_hors_delai(session, cloture.campagne_id)
            if nombre:
                await livraison.signaler_incident(
                    session,
                    cloture.campagne_id,
                    CLE_FIN_LEGALE,
                    TypeIncident.metier.value,
                    "documents",
                    motif_fin_legale(cloture, nombre),
                    cloture.horodatage,
                    cumul=False,
                )
        return nombre

    @activity.defn(name="campagne_compter_livraisons")
    async def compter_livraisons(self, comptage: dai.ComptageLivraisons) -> dai.Livraisons:
        """The campaign's mails and letters counted again after documents changed their way (a bounced mail)."""
        async with self._sessions() as session:
            return await livraison.compter_livraisons(session, comptage.campagne_id)

    # ------------------------------------------------------------------ one packet of one batch

    @activity.defn(name="campagne_traiter_lot")
    async def traiter_lot(self, tache: TacheLot) -> BilanLot:
        match tache.travail:
            case TravailLot.notification:
                return await self._notifier(tache)
            case TravailLot.rappel:
                return await self._rappeler(tache)
            case TravailLot.transmission:
                return await self._transmettre(tache)
            case TravailLot.documents:
                return await self._produire(tache)
        raise ApplicationError(f"travail inconnu : {tache.travail}", type="TravailInconnu", non_retryable=True)

    async def _notifier(self, tache: TacheLot) -> BilanLot:
        """The next employers of the batch: their tasks (one per agent), then their mail listing them."""
        if tache.echeance is None:
            raise ApplicationError("lot de notification sans échéance", type="LotSansEcheance", non_retryable=True)
        async with transaction(self._sessions) as session:
            employeurs = await depots.employeurs_du_paquet(
                session, tache.campagne_id, tache.lot, tache.apres_id, tache.taille_paquet
            )
            ids = [employeur["id"] for employeur in employeurs]
            if ids:
                await depots.creer_taches(
                    session,
                    tache.campagne_id,
                    tache.workflow_campagne,
                    str(tache.annee),
                    ids,
                    tache.echeance,
                    tache.horodatage,
                )
        if ids:
            async with self._sessions() as session:
                agents = await depots.agents_a_mettre_a_jour(session, tache.campagne_id, tache.workflow_campagne, ids)
            activity.heartbeat(ids[-1])
            await self._mails.envoyer(
                [
                    MailCampagne(
                        dai.cle_mail_employeur(tache.workflow_campagne, "lancement", employeur["id"]),
                        "campagne_lancement_employeur",
                        employeur["email"],
                        self._contexte_employeur(tache, employeur, agents[employeur["id"]]),
                    )
                    for employeur in employeurs
                ],
                tache.workflow_campagne,
                tache.horodatage,
                activity.heartbeat,
            )
            async with transaction(self._sessions) as session:
                await depots.marquer_notifies(session, tache.campagne_id, ids, tache.horodatage)
        return await self._fin_de_paquet(tache, ids)

    async def _rappeler(self, tache: TacheLot) -> BilanLot:
        """Remind the employers of the batch that still have open campaign tasks (once per reminder)."""
        async with self._sessions() as session:
            employeurs = await depots.employeurs_du_paquet(
                session,
                tache.campagne_id,
                tache.lot,
                tache.apres_id,
                tache.taille_paquet,
                avec_taches_ouvertes=tache.workflow_campagne,
            )
        envoyes = await rappeler_employeurs(
            self._mails,
            self._sessions,
            self._url,
            Rappel(
                tache.campagne_id, tache.workflow_campagne, tache.annee, tache.echeance, tache.horodatage, tache.rang
            ),
            employeurs,
            lambda employeur: dai.cle_mail_employeur(tache.workflow_campagne, f"rappel-{tache.rang}", employeur["id"]),
        )
        bilan = await self._fin_de_paquet(tache, [employeur["id"] for employeur in employeurs])
        bilan.rappels = envoyes
        return bilan

    async def _fin_de_paquet(self, tache: TacheLot, ids: list[int]) -> BilanLot:
        if len(ids) == tache.taille_paquet:
            return BilanLot(dernier_id=ids[-1], termine=False)
        if tache.travail is not TravailLot.notification:
            return BilanLot(dernier_id=ids[-1] if ids else tache.apres_id)
        async with self._sessions() as session:
            compte = await depots.compter_lot(session, tache.campagne_id, tache.workflow_campagne, tache.lot)
        return BilanLot(
            employeurs_notifies=compte["employeurs"],
            taches=compte["taches"],
            dernier_id=ids[-1] if ids else tache.apres_id,
        )

    def _contexte_employeur(self, tache: TacheLot, employeur: dict[str, Any], agents: list[dict[str, Any]]) -> dict:
        return contexte_employeur(self._url, tache.annee, tache.echeance, employeur, agents)

    async def _transmettre(self, tache: TacheLot) -> BilanLot:
        """The batch to the collector, exactly once (the receipt is stored under a unique key). A collector that
        keeps failing past ``essais_collecteur`` attempts is an incident, not a stuck campaign: the campaign goes on,
        and the batch is offered again at each sending tranche (``_retransmettre``)."""
        try:
            return await self._vers_le_collecteur(tache)
        except Exception as panne:
            tentative = activity.info().attempt
            if tentative < self._essais_collecteur:
                raise
            await self._signaler_non_transmis(tache, panne, tentative)
            activity.logger.warning(
                "campagne : lot %s non transmis au collecteur après %s essais (%s)",
                tache.lot,
                tentative,
                type(panne).__name__,
            )
            return BilanLot(incidents=1)

    async def _vers_le_collecteur(self, tache: TacheLot) -> BilanLot:
        async with self._sessions() as session:
            deja = await depots.export_du_lot(session, tache.campagne_id, tache.lot)
            if deja is not None:
                return BilanLot(exports=1, lignes_exportees=deja.lignes)
            lignes = await depots.lignes_export(
                session, tache.campagne_id, tache.lot, dai.cohortes(tache.annee), tache.horodatage.date()
            )
        recu = await self._collecteur.transmettre(
            LotATransmettre(tache.workflow_campagne, tache.annee, tache.annee + 1, tache.lot, lignes)
        )
        async with transaction(self._sessions) as session:
            await depots.enregistrer_export(
                session,
                {
                    "campagne_id": tache.campagne_id,
                    "lot": tache.lot,
                    "collecteur": recu.collecteur,
                    "reference": recu.reference,
                    "lignes": recu.lignes,
                    "par_cohorte": recu.par_cohorte,
                    "sha256": recu.sha256,
                    "transmis_le": tache.horodatage,
                },
            )
            await livraison.resoudre_incident(
                session, tache.campagne_id, _cle_transmission(tache.lot), tache.horodatage
            )
        return BilanLot(exports=1, lignes_exportees=recu.lignes)

    async def _retransmettre(self, tache: TacheLot) -> BilanLot:
        """A batch the collector did not take: offered again, once, before this tranche's documents; a failure
        counts one more attempt on its incident and the documents go on."""
        async with self._sessions() as session:
            incident = await livraison.incident_ouvert(session, tache.campagne_id, _cle_transmission(tache.lot))
        if incident is None:
            return BilanLot()
        try:
            return await self._vers_le_collecteur(tache)
        except Exception as panne:
            await self._signaler_non_transmis(tache, panne)
            return BilanLot()

    async def _signaler_non_transmis(self, tache: TacheLot, panne: Exception, tentatives: int = 1) -> None:
        """The batch's transmission incident, opened or counted once more (``livraison.signaler_incident``)."""
        async with transaction(self._sessions) as session:
            await livraison.signaler_incident(
                session,
                tache.campagne_id,
                _cle_transmission(tache.lot),
                TypeIncident.technique.value,
                "transmission",
                _motif_collecteur(self._collecteur.nom, tache.lot, panne),
                tache.horodatage,
                lot=tache.lot,
                tentatives=tentatives,
            )

    async def _produire(self, tache: TacheLot) -> BilanLot:
        """The next agents of this tranche: documents stored, then sent — by mail, or into the tranche's print
        batch for the agents on paper (and those whose mail the server refused). After the legal end of the sending
        (``hors_delai``) nothing is sent: the batch's counts only."""
        if tache.hors_delai:
            return await self._bilan_documents(tache, tache.apres_id)
        le = tache.horodatage.date()
        repris = BilanLot()
        if tache.apres_id == 0:
            # the batch's own file; the first batch also offers the cohorts' former affiliates' file again
            for lot in (tache.lot, LOT_ANCIENS_AFFILIES) if tache.lot == 0 else (tache.lot,):
                repris = repris.plus(await self._retransmettre(replace(tache, lot=lot)))
        async with self._sessions() as session:
            cibles = await depots.cibles_a_produire(
                session, tache.campagne_id, tache.lot, tache.rang, tache.apres_id, tache.taille_paquet
            )
            ids = [cible["affilie_id"] for cible in cibles]
            affilies, lignes, enfants = await depots.dossiers_affilies(session, ids) if ids else ({}, {}, {})
        async with transaction(self._sessions) as session:
            await depots.suivre_employeurs_actuels(session, [cible["id"] for cible in cibles])
            await depots.ramener_a_la_tranche(session, [cible["id"] for cible in cibles], tache.rang)
        documents, anomalies = [], []
        # Eligibility again on the production day: who died, retired or left since selection gets nothing, nor an
        # agent the campaign's manager excluded (or whose employer he excluded).
        exclus: dict[EtatCible, list[dict[str, Any]]] = {}
        for cible in cibles:
            affilie = affilies[cible["affilie_id"]]
            statut = {champ: getattr(affilie, champ) for champ in dai.CHAMPS_EXCLUSION.values()}
            motif = dai.motif_exclusion(statut, le, exclu_par_decision=bool(cible["exclue"]))
            if motif is not None:
                exclus.setdefault(dai.etat_exclusion(motif), []).append(
                    {"id": cible["id"], "document_id": cible["document_id"]}
                )
                continue
            if cible["etat"] != EtatCible.selectionne.value:
                continue
            try:
                contenu = contenu_du_document(cible["cohorte"], affilie, lignes[affilie.id], enfants[affilie.id], le)
            except (pension.ErreurCas, ApplicationError) as erreur:
                # The agent's data refused by the calculation (the RIS's decompte, the EIG's estimate): an anomaly
                # for the supervisors, not a failure of the batch.
                if isinstance(erreur, ApplicationError) and erreur.type != DONNEES_INVALIDES:
                    raise
                anomalies.append({"id": cible["id"], "document_id": None})
                activity.logger.warning(
                    "campagne : cas refusé par le calcul (cible %s, %s erreur(s))",
                    cible["id"],
                    len(getattr(erreur, "erreurs", []) or []),
                )
                continue
            contenu |= {
                "campagne": {"annee": tache.annee, "annee_envoi": tache.annee + 1},
                "cohorte": cible["cohorte"],
                "age": cible["age"],
            }
            documents.append(
                {
                    "cle": _cle_document(tache, cible),
                    "type": type_document(cible["cohorte"]),
                    "affilie_id": affilie.id,
                    "demande_id": None,
                    "cree_le": tache.horodatage,
                    "contenu": contenu,
                }
            )
        async with transaction(self._sessions) as session:
            par_cle = await depots.enregistrer_documents(session, documents)
            await depots.marquer_cibles(
                session,
                EtatCible.document_produit,
                [
                    {"id": cible["id"], "document_id": par_cle[_cle_document(tache, cible)]}
                    for cible in cibles
                    if _cle_document(tache, cible) in par_cle
                ],
            )
            await depots.marquer_cibles(session, EtatCible.anomalie, anomalies)
            for etat, lignes_exclues in exclus.items():
                await depots.marquer_cibles(session, etat, lignes_exclues)
        activity.heartbeat(tache.apres_id)
        refuses = {anomalie["id"] for anomalie in anomalies} | {
            ligne["id"] for lignes_exclues in exclus.values() for ligne in lignes_exclues
        }
        annonces = [
            cible | {"document_id": par_cle.get(_cle_document(tache, cible), cible["document_id"])}
            for cible in cibles
            if cible["id"] not in refuses
        ]
        # The channel: mail where the agent accepts it and has an address; otherwise paper. The paper letters are
        # laid out while the mails go (a process beside the worker does it); the letters of those whose mail the
        # server refused follow once the mails are sent.
        par_courriel = [c for c in annonces if _par_courriel(affilies[c["affilie_id"]])]
        sur_papier = [c for c in annonces if not _par_courriel(affilies[c["affilie_id"]])]
        livraisons: dict[int, Livraison] = {
            c["id"]: livraison_papier(affilies[c["affilie_id"]], Livraison.papier) for c in sur_papier
        }
        await ensemble(
            self._mails.envoyer(
                [
                    MailCampagne(
                        _cle_mail(tache, cible),
                        "campagne_document_disponible",
                        affilies[cible["affilie_id"]].email,
                        {
                            "url": self._url,
                            "affilie": {
                                "prenom": affilies[cible["affilie_id"]].prenom,
                                "nom": affilies[cible["affilie_id"]].nom,
                            },
                            "campagne": {"annee": tache.annee, "annee_envoi": tache.annee + 1},
                            "document_dai": {
                                "id": cible["document_id"],
                                "titre": TITRES[cible["cohorte"]],
                                "type": cible["cohorte"],
                            },
                        },
                    )
                    for cible in par_courriel
                ],
                tache.workflow_campagne,
                tache.horodatage,
                activity.heartbeat,
            ),
            self._imprimer(tache, sur_papier, affilies, livraisons),
        )
        refus_courriel = await self._mails.refuses([_cle_mail(tache, cible) for cible in par_courriel])
        refusees = [c for c in par_courriel if _cle_mail(tache, c) in refus_courriel]
        for cible in par_courriel:
            livraisons[cible["id"]] = Livraison.courriel
        for cible in refusees:
            livraisons[cible["id"]] = livraison_papier(affilies[cible["affilie_id"]], Livraison.papier_apres_refus)
        await self._imprimer(tache, refusees, affilies, livraisons)
        livres = [c for c in annonces if livraisons[c["id"]] is not Livraison.sans_adresse]
        async with transaction(self._sessions) as session:
            await depots.marquer_cibles(
                session,
                EtatCible.document_annonce,
                [{"id": cible["id"], "document_id": cible["document_id"]} for cible in livres],
            )
            await livraison.marquer_livraisons(session, livraisons)
            etape = etape_documents(tache.rang)
            await courriels_en_echec(
                session, tache.campagne_id, [(c["affilie_id"], tache.lot) for c in refusees], etape, tache.horodatage
            )
            for cible in annonces:
                if livraisons[cible["id"]] is Livraison.sans_adresse:
                    await signaler_sans_adresse(
                        session, tache.campagne_id, cible["affilie_id"], tache.lot, etape, tache.horodatage
                    )
        if len(cibles) == tache.taille_paquet:
            return repris.plus(BilanLot(dernier_id=cibles[-1]["id"], termine=False))
        return repris.plus(await self._bilan_documents(tache, cibles[-1]["id"] if cibles else tache.apres_id))

    async def _bilan_documents(self, tache: TacheLot, dernier_id: int) -> BilanLot:
        """The batch's counts for this tranche, read back from the tables: its last packet's report."""
        async with self._sessions() as session:
            compte = await depots.compter_documents(session, tache.campagne_id, tache.lot, tache.rang)
            papier = await livraison.compter_papier(session, tache.campagne_id, tache.lot, tache.rang)
            incidents = await livraison.compter_incidents(
                session, tache.campagne_id, tache.lot, etape_documents(tache.rang)
            )
        annonce = compte.get(EtatCible.document_annonce.value, 0)
        return BilanLot(
            documents=annonce + compte.get(EtatCible.document_produit.value, 0),
            mails_agents=annonce - papier,
            anomalies=compte.get(EtatCible.anomalie.value, 0),
            dernier_id=dernier_id,
            plis_papier=papier,
            incidents=incidents,
        )

    async def _imprimer(
        self,
        tache: TacheLot,
        annonces: list[dict[str, Any]],
        affilies: dict[int, Any],
        livraisons: dict[int, Livraison],
    ) -> None:
        """The packet's paper documents into the tranche's print batch."""
        papier = [c for c in annonces if livraisons[c["id"]] in LIVRAISONS_PAPIER]
        if not papier:
            return
        async with self._sessions() as session:
            documents = await livraison.documents(session, [c["document_id"] for c in papier])
        plis = [
            pli(
                documents[cible["document_id"]],
                affilies[cible["affilie_id"]],
                cible["cohorte"],
                livraisons[cible["id"]],
            )
            for cible in papier
        ]
        await self._imprimeur.imprimer(
            tache.workflow_campagne, tache.annee, tache.rang, tache.lot, plis, tache.horodatage
        )
        activity.heartbeat(tache.apres_id)


MOTIF_COURRIEL_REFUSE = (
    "Le serveur de messagerie a refusé l'adresse électronique de l'agent : son document part par courrier, et les "
    "suivants aussi. Corrigez son adresse électronique si elle est fausse."
)


async def courriels_en_echec(
    session,
    campagne_id: int,
    agents: Sequence[tuple[int, int]],
    etape: str,
    horodatage: datetime,
    motif: str = MOTIF_COURRIEL_REFUSE,
) -> None:
    """Campaign mails that did not reach their agents — refused during the SMTP exchange, or bounced after the server
    accepted them (``activities.campagne_rebonds``): each agent (``affilie_id``, ``lot``) receives their documents on
    paper from now on, and is a business incident for the supervisors (the email address to correct, one incident per
    agent and campaign); the rest of the campaign goes on."""
    await livraison.passer_au_papier(session, [affilie_id for affilie_id, _ in agents])
    for affilie_id, lot in agents:
        await livraison.signaler_incident(
            session,
            campagne_id,
            cle_incident_courriel(affilie_id),
            TypeIncident.metier.value,
            etape,
            motif,
            horodatage,
            affilie_id=affilie_id,
            lot=lot,
        )


async def signaler_sans_adresse(
    session, campagne_id: int, affilie_id: int, lot: int, etape: str, horodatage: datetime
) -> None:
    """A document due on paper whose agent's postal address is unknown: an incident, resolved when the address is
    set; the document goes with a later tranche."""
    await livraison.signaler_incident(
        session,
        campagne_id,
        cle_incident_sans_adresse(affilie_id),
        TypeIncident.metier.value,
        etape,
        "Le document de l'agent doit partir par courrier mais son adresse postale est inconnue : renseignez-la ; il "
        "partira avec la tranche suivante.",
        horodatage,
        affilie_id=affilie_id,
        lot=lot,
    )


def pli(document, affilie, cohorte: str, mode: Livraison) -> Pli:
    """A campaign document to print and post to its agent."""
    return Pli(
        document_id=document.id,
        type_document=document.type,
        titre=TITRES[cohorte],
        contenu=document.contenu,
        cree_le=document.cree_le,
        destinataire=f"{affilie.prenom} {affilie.nom}",
        adresse_postale=lignes_adresse(affilie.adresse_postale),
        livraison=mode.value,
    )


def contexte_employeur(
    url: str, annee: int, date_limite: datetime | None, employeur: dict[str, Any], agents: list[dict[str, Any]]
) -> dict[str, Any]:
    """What an employer's campaign mail shows: the campaign, its deadline, its agents (the first of them)."""
    return {
        "url": url,
        "employeur": {"raison_sociale": employeur["raison_sociale"], "siret": employeur["siret"]},
        "campagne": {
            "annee": annee,
            "annee_envoi": annee + 1,
            "date_limite": date_limite.isoformat() if date_limite else "",
        },
        "agents": agents[:AGENTS_AFFICHES],
        "nb_agents": len(agents),
        "autres_agents": max(0, len(agents) - AGENTS_AFFICHES),
    }


@dataclass
class Rappel:
    """One reminder to employers: of which campaign, until which date, sent when, and which one it is (from 0)."""

    campagne_id: int
    workflow_id: str
    annee: int
    date_limite: datetime | None
    horodatage: datetime
    rang: int


async def rappeler_employeurs(
    mails: ExpediteurGroupe,
    sessions: SessionFactory,
    url: str,
    rappel: Rappel,
    employeurs: list[dict[str, Any]],
    cle: Callable[[dict[str, Any]], str],
) -> int:
    """Remind each employer of its agents whose tasks are still open (``cle``: the mail's key, one per reminder
    and employer), then count the reminder for them: the campaign's reminders and an employer's own."""
    ids = [employeur["id"] for employeur in employeurs]
    async with sessions() as session:
        agents = await depots.agents_a_mettre_a_jour(
            session, rappel.campagne_id, rappel.workflow_id, ids, seulement_ouvertes=True
        )
    envoyes = await mails.envoyer(
        [
            MailCampagne(
                cle(employeur),
                "campagne_rappel_employeur",
                employeur["email"],
                contexte_employeur(url, rappel.annee, rappel.date_limite, employeur, agents[employeur["id"]])
                | {"rappel": rappel.rang + 1},
            )
            for employeur in employeurs
        ],
        rappel.workflow_id,
        rappel.horodatage,
        activity.heartbeat,
    )
    if ids:
        async with transaction(sessions) as session:
            await depots.marquer_relances(
                session, rappel.campagne_id, rappel.workflow_id, ids, rappel.rang, rappel.horodatage
            )
    return envoyes


def livraison_papier(affilie, papier: Livraison) -> Livraison:
    """A letter goes by post to the agent's postal address; without one it is not sent, and is an incident."""
    return papier if (affilie.adresse_postale or "").strip() else Livraison.sans_adresse


def _par_courriel(affilie) -> bool:
    return par_courriel(affilie.canal, affilie.email)


def _cle_mail(tache: TacheLot, cible: dict[str, Any]) -> str:
    return dai.cle_mail_document(tache.workflow_campagne, cible["cohorte"], cible["affilie_id"])


def _cle_transmission(lot: int) -> str:
    return f"transmission:lot-{lot}"


# The campaign's incident of the agents left without their document at the legal end of the sending.
CLE_FIN_LEGALE = "documents:fin_legale"


def motif_fin_legale(cloture: dai.ClotureEnvoi, nombre: int) -> str:
    """What the supervisors read: when the sending closed, how many agents it left without their document."""
    limite = cloture.limite.astimezone(dai.PARIS)
    if limite.time() == time(0, 0):  # midnight: the end of the day before, as the law says it
        quand = f"la fin du {date_fr(limite - timedelta(days=1))}"
    else:
        quand = f"le {date_heure_fr(limite)}"
    agents = (
        "1 agent n'a pas reçu son document"
        if nombre == 1
        else f"{accord(nombre, 'agent')} n'ont pas reçu leur document"
    )
    return (
        f"L'envoi des documents de la campagne {cloture.annee} est clos depuis {quand} (heure de Paris), sa limite "
        f"légale : {agents} (relevé, estimation ou information générale), et la campagne n'en enverra plus. La "
        "remise des documents de la campagne les montre à l'état « Sans document : envoi clos à la fin légale »."
    )


def etape_documents(rang: int) -> str:
    return f"documents-{rang}"


def _motif_collecteur(nom: str, lot: int, panne: Exception) -> str:
    """Why the batch was not transmitted, without the error's text (it may quote the data sent)."""
    return (
        f"Le collecteur du GIP Info Retraite (« {nom} ») n'a pas reçu le lot {lot} ({type(panne).__name__}). "
        "La campagne continue ; le lot lui est proposé de nouveau avant chaque tranche d'envoi."
    )


def _cle_document(tache: TacheLot, cible: dict[str, Any]) -> str:
    return f"{tache.workflow_campagne}:{cible['cohorte']}:{cible['affilie_id']}"


def type_document(cohorte: str) -> str:
    return "info_generale" if cohorte == Cohorte.information_generale.value else cohorte


def contenu_du_document(cohorte: str, affilie, lignes, enfants, le: date) -> dict[str, Any]:
    if cohorte == Cohorte.eig.value:
        return contenu_eig(affilie, lignes, enfants, le)
    if cohorte == Cohorte.ris.value:
        return contenu_ris(affilie, lignes, le, enfants=enfants)
    return {
        "titre": TITRES[cohorte],
        "etabli_le": le.isoformat(),
        "themes": _INFORMATION_GENERALE,
        "reference": parametre("campagne", "trimestres_information_generale", le).reference_titre,
    }


def _semaines(calendrier, charge: dict[str, Any]) -> list[dict[str, Any]]:
    """Mails and tasks per ISO week, assuming (upper bound) that no employer answers before a reminder."""
    semaines: dict[str, dict[str, int]] = {}

    def ajouter(instant, **nombres: int) -> None:
        annee, semaine, _ = instant.isocalendar()
        ligne = semaines.setdefault(
            f"{annee}-S{semaine:02d}",
            {
                "mails_employeurs": 0,
                "taches": 0,
                "mails_superviseurs": 0,
                "exports": 0,
                "documents": 0,
                "mails_agents": 0,
            },
        )
        for cle, n in nombres.items():
            ligne[cle] += n

    ajouter(calendrier.lancement, mails_employeurs=charge["employeurs_concernes"], taches=charge["taches"])
    for rappel in calendrier.rappels:
        ajouter(rappel, mails_employeurs=charge["employeurs_concernes"])
    ajouter(calendrier.date_limite, mails_superviseurs=1)
    ajouter(calendrier.transmission, exports=charge["lots"])
    for rang, instant in enumerate(calendrier.tranches()):
        nombre = charge["par_tranche"].get(rang, 0)
        ajouter(instant, documents=nombre, mails_agents=nombre)
    return [{"semaine": semaine, **nombres} for semaine, nombres in sorted(semaines.items())]


def activites_campagne(settings, sessions: SessionFactory, rendre_lettres: RenduLettres) -> list:
    """The campaign's activities, built from the settings (the worker registers them, and hands in the documents'
    PDF rendering for the print batches)."""
    from activities.campagne_collecteur import collecteur
    from activities.campagne_rebonds import ActivitesRebonds
    from activities.campagne_renvoi import ActivitesRenvoi
    from notifications.rendu import Gabarits
    from notifications.transport import TransportSmtp

    mails = ExpediteurGroupe(
        sessions,
        Gabarits(),
        TransportSmtp.depuis(settings),
        settings.campagne_paquet_smtp,
        settings.campagne_essais_destinataire,
        settings.campagne_connexions_smtp,
    )
    imprimeur = Imprimeur(settings.var_dir / "impression", rendre_lettres, settings.campagne_processus_impression)
    campagne = ActivitesCampagne(
        sessions,
        mails,
        collecteur(settings.campagne_collecteur, settings.var_dir, settings.cle_collecteur()),
        settings.url_publique,
        settings.mail_superviseurs,
        imprimeur,
        settings.campagne_essais_collecteur,
    )
    renvoi = ActivitesRenvoi(sessions, mails, imprimeur, settings.url_publique)
    rebonds = ActivitesRebonds(sessions, imprimeur)
    from activities.campagne_echeances import activites_echeances

    return [
        *activites_echeances(sessions, mails, settings.url_publique),
        campagne.ouvrir,
        campagne.calendrier,
        campagne.transition,
        campagne.selectionner,
        campagne.signaler_retardataires,
        campagne.previsionnel,
        campagne.traiter_lot,
        campagne.clore_envoi,
        campagne.compter_livraisons,
        renvoi.produire,
        renvoi.annoncer,
        rebonds.traiter,
        rebonds.recompter_campagne_close,
    ]
