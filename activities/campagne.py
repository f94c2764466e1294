"""The DAI campaign's side effects. Each method is one activity; the class holds its dependencies.

Activities work on a batch of employers (a "lot") one packet at a time, in bulk SQL; every write
is idempotent (unique keys), and the counts they return are read back from the tables, so a
retried packet changes nothing and reports the same numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

import pension
from activities.campagne_collecteur import Collecteur, LotATransmettre
from activities.campagne_mails import ExpediteurGroupe, MailCampagne
from activities.documents import contenu_eig, contenu_ris
from domain import campagne as dai
from domain.campagne import BilanLot, Cohorte, EtatCible, TacheLot, TravailLot
from domain.processus import DONNEES_INVALIDES
from domain.regles import parametre
from persistence import depots_campagne as depots
from persistence.db import SessionFactory, transaction

AGENTS_AFFICHES = 100  # agents listed in one employer mail; the inbox holds them all

_INFORMATION_GENERALE = [
    "le système de retraite par répartition",
    "les règles d'acquisition de droits à pension et le mode de calcul des pensions",
    "l'impact d'une activité à temps partiel ou donnant lieu à cotisations forfaitaires sur vos droits",
    "la prise en compte des activités accomplies dans l'Union européenne ou dans un État tiers",
]
_TITRES = {
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
    ) -> None:
        self._sessions = sessions
        self._mails = mails
        self._collecteur = collecteur
        self._url = url_publique.rstrip("/")
        self._mail_superviseurs = mail_superviseurs

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
        """At the cut-off: flag the late employers and mail their list to the supervisors, once."""
        async with transaction(self._sessions) as session:
            retard = await depots.signaler_retardataires(session, cloture.campagne_id, cloture.workflow_id)
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
                        f"{tache.workflow_campagne}:lancement:employeur-{employeur['id']}",
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
            ids = [employeur["id"] for employeur in employeurs]
            agents = (
                await depots.agents_a_mettre_a_jour(
                    session, tache.campagne_id, tache.workflow_campagne, ids, seulement_ouvertes=True
                )
                if ids
                else {}
            )
        envoyes = await self._mails.envoyer(
            [
                MailCampagne(
                    f"{tache.workflow_campagne}:rappel-{tache.rang}:employeur-{employeur['id']}",
                    "campagne_rappel_employeur",
                    employeur["email"],
                    self._contexte_employeur(tache, employeur, agents[employeur["id"]]) | {"rappel": tache.rang + 1},
                )
                for employeur in employeurs
            ],
            tache.workflow_campagne,
            tache.horodatage,
            activity.heartbeat,
        )
        if ids:
            async with transaction(self._sessions) as session:
                await depots.marquer_relances(
                    session, tache.campagne_id, tache.workflow_campagne, ids, tache.rang, tache.horodatage
                )
        bilan = await self._fin_de_paquet(tache, ids)
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
        return {
            "url": self._url,
            "employeur": {"raison_sociale": employeur["raison_sociale"], "siret": employeur["siret"]},
            "campagne": {
                "annee": tache.annee,
                "annee_envoi": tache.annee + 1,
                "date_limite": tache.echeance.isoformat() if tache.echeance else "",
            },
            "agents": agents[:AGENTS_AFFICHES],
            "nb_agents": len(agents),
            "autres_agents": max(0, len(agents) - AGENTS_AFFICHES),
        }

    async def _transmettre(self, tache: TacheLot) -> BilanLot:
        """The batch to the collector, exactly once (the receipt is stored under a unique key)."""
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
        return BilanLot(exports=1, lignes_exportees=recu.lignes)

    async def _produire(self, tache: TacheLot) -> BilanLot:
        """The next agents of this tranche: documents stored, then announced by mail."""
        le = tache.horodatage.date()
        async with self._sessions() as session:
            cibles = await depots.cibles_a_produire(
                session, tache.campagne_id, tache.lot, tache.rang, tache.apres_id, tache.taille_paquet
            )
            ids = [cible["affilie_id"] for cible in cibles]
            affilies, lignes, enfants = await depots.dossiers_affilies(session, ids) if ids else ({}, {}, {})
        async with transaction(self._sessions) as session:
            await depots.suivre_employeurs_actuels(session, [cible["id"] for cible in cibles])
        documents, anomalies = [], []
        # Eligibility again on the production day: who died, retired or left since selection gets nothing.
        exclus: dict[EtatCible, list[dict[str, Any]]] = {}
        for cible in cibles:
            affilie = affilies[cible["affilie_id"]]
            motif = dai.motif_exclusion({champ: getattr(affilie, champ) for champ in dai.CHAMPS_EXCLUSION.values()}, le)
            if motif is not None:
                exclus.setdefault(dai.etat_exclusion(motif), []).append(
                    {"id": cible["id"], "document_id": cible["document_id"]}
                )
                continue
            if cible["etat"] != EtatCible.selectionne.value:
                continue
            try:
                contenu = _contenu(cible["cohorte"], affilie, lignes[affilie.id], enfants[affilie.id], le)
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
                    "type": _type_document(cible["cohorte"]),
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
        await self._mails.envoyer(
            [
                MailCampagne(
                    f"{tache.workflow_campagne}:document:{cible['cohorte']}:affilie-{cible['affilie_id']}",
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
                            "titre": _TITRES[cible["cohorte"]],
                            "type": cible["cohorte"],
                        },
                    },
                )
                for cible in annonces
            ],
            tache.workflow_campagne,
            tache.horodatage,
            activity.heartbeat,
        )
        async with transaction(self._sessions) as session:
            await depots.marquer_cibles(
                session,
                EtatCible.document_annonce,
                [{"id": cible["id"], "document_id": cible["document_id"]} for cible in annonces],
            )
        if len(cibles) == tache.taille_paquet:
            return BilanLot(dernier_id=cibles[-1]["id"], termine=False)
        async with self._sessions() as session:
            compte = await depots.compter_documents(session, tache.campagne_id, tache.lot, tache.rang)
        annonce = compte.get(EtatCible.document_annonce.value, 0)
        return BilanLot(
            documents=annonce + compte.get(EtatCible.document_produit.value, 0),
            mails_agents=annonce,
            anomalies=compte.get(EtatCible.anomalie.value, 0),
            dernier_id=cibles[-1]["id"] if cibles else tache.apres_id,
        )


def _cle_document(tache: TacheLot, cible: dict[str, Any]) -> str:
    return f"{tache.workflow_campagne}:{cible['cohorte']}:{cible['affilie_id']}"


def _type_document(cohorte: str) -> str:
    return "info_generale" if cohorte == Cohorte.information_generale.value else cohorte


def _contenu(cohorte: str, affilie, lignes, enfants, le: date) -> dict[str, Any]:
    if cohorte == Cohorte.eig.value:
        return contenu_eig(affilie, lignes, enfants, le)
    if cohorte == Cohorte.ris.value:
        return contenu_ris(affilie, lignes, le)
    return {
        "titre": _TITRES[cohorte],
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


def activites_campagne(settings, sessions: SessionFactory) -> list:
    """The campaign's activities, built from the settings (the worker registers them)."""
    from activities.campagne_collecteur import collecteur
    from notifications.rendu import Gabarits
    from notifications.transport import TransportSmtp

    mails = ExpediteurGroupe(sessions, Gabarits(), TransportSmtp.depuis(settings), settings.campagne_paquet_smtp)
    campagne = ActivitesCampagne(
        sessions,
        mails,
        collecteur(settings.campagne_collecteur, settings.var_dir, settings.cle_collecteur()),
        settings.url_publique,
        settings.mail_superviseurs,
    )
    return [
        campagne.ouvrir,
        campagne.calendrier,
        campagne.transition,
        campagne.selectionner,
        campagne.signaler_retardataires,
        campagne.previsionnel,
        campagne.traiter_lot,
    ]
