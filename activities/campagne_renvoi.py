"""Re-producing and re-sending a campaign document (``domain.campagne_renvoi``): two activities, each idempotent —
the new version is stored once (a retried call finds it), the agent is announced once (the mail's key is the
replaced document's; the print batch is merged by document)."""

from __future__ import annotations

from functools import partial

from temporalio import activity
from temporalio.exceptions import ApplicationError

import pension
from activities.campagne import (
    TITRES,
    contenu_du_document,
    courriels_en_echec,
    etape_documents,
    pli,
    signaler_sans_adresse,
    type_document,
)
from activities.campagne_mails import ExpediteurGroupe, MailCampagne
from activities.campagne_papier import Imprimeur
from activities.refus import refus_definitif
from domain import campagne as dai
from domain.adresse import lignes_adresse
from domain.campagne import Canal, Livraison, id_workflow_campagne
from domain.campagne_renvoi import (
    EVENEMENT_RENVOI,
    REFUS_RENVOI,
    DemandeRenvoi,
    ResultatRenvoi,
    VersionProduite,
    canal_du_renvoi,
    prochaine_tranche,
)
from domain.erreurs import Refus
from domain.etats import Acteur
from domain.processus import DONNEES_INVALIDES
from persistence import depots, depots_campagne, renvoi_campagne
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, Document
from persistence.models_campagne import CampagneTable, CibleCampagne, RenvoiCampagne

_refus = partial(refus_definitif, REFUS_RENVOI)


class ActivitesRenvoi:
    def __init__(self, sessions: SessionFactory, mails: ExpediteurGroupe, imprimeur: Imprimeur, url: str) -> None:
        self._sessions = sessions
        self._mails = mails
        self._imprimeur = imprimeur
        self._url = url.rstrip("/")

    @activity.defn(name="campagne_renvoi_produire")
    async def produire(self, demande: DemandeRenvoi) -> VersionProduite:
        """The new version from today's data, in one transaction with the old one's replacement, the target's new
        document, the re-send's record and its history event (who, why)."""
        if demande.horodatage is None:
            raise _refus("renvoi sans horodatage")
        le = demande.horodatage.date()
        async with transaction(self._sessions) as session:
            deja = await renvoi_campagne.renvoi_du_document(session, demande.document_id)
            if deja is not None:
                produit = await session.get(Document, deja.document_id)
                return _version(deja, int(produit.contenu.get("version", 2)) if produit else 2)
            campagne = await depots_campagne.campagne_par_annee(session, demande.annee)
            cible = (
                await renvoi_campagne.cible_du_document(session, campagne.id or 0, demande.document_id)
                if campagne is not None
                else None
            )
            ancien = await session.get(Document, demande.document_id)
            if campagne is None or cible is None or ancien is None:
                raise _refus(
                    f"Le document n° {demande.document_id} n'est pas un document de la campagne {demande.annee}."
                )
            if (suivant := await renvoi_campagne.remplacant(session, demande.document_id)) is not None:
                raise _refus(f"Le document n° {demande.document_id} a déjà été remplacé par le n° {suivant.id}.")
            affilies, lignes, enfants = await depots_campagne.dossiers_affilies(session, [cible.affilie_id])
            affilie: Affilie = affilies[cible.affilie_id]
            motif = dai.motif_exclusion({champ: getattr(affilie, champ) for champ in dai.CHAMPS_EXCLUSION.values()}, le)
            if motif is not None:
                raise _refus(_SANS_DROIT[motif])
            try:
                canal = canal_du_renvoi(demande.canal, affilie.canal, affilie.email, affilie.adresse_postale)
                contenu = contenu_du_document(
                    cible.cohorte, affilie, lignes[cible.affilie_id], enfants[cible.affilie_id], le
                )
            except Refus as refus:
                raise _refus(refus.message) from None
            except (pension.ErreurCas, ApplicationError) as erreur:
                if isinstance(erreur, ApplicationError) and erreur.type != DONNEES_INVALIDES:
                    raise
                raise _refus(
                    "Le calcul refuse les données de l'agent : corrigez son CIR, puis renvoyez le document."
                ) from None
            version = int(ancien.contenu.get("version", 1)) + 1
            contenu |= {
                "campagne": {"annee": demande.annee, "annee_envoi": demande.annee + 1},
                "cohorte": cible.cohorte,
                "age": cible.age,
                "version": version,
            }
            nouveau = Document(
                cle=f"{id_workflow_campagne(demande.annee)}:{cible.cohorte}:{cible.affilie_id}:v{version}",
                type=type_document(cible.cohorte),
                affilie_id=cible.affilie_id,
                cree_le=demande.horodatage,
                contenu=contenu,
                remplace_id=ancien.id,
            )
            renvoi = await renvoi_campagne.enregistrer_version(
                session,
                cible,
                nouveau,
                RenvoiCampagne(
                    campagne_id=campagne.id or 0,
                    cible_id=cible.id or 0,
                    affilie_id=cible.affilie_id,
                    document_remplace_id=demande.document_id,
                    document_id=0,
                    canal=canal.value,
                    motif=demande.motif,
                    compte_id=demande.compte_id or None,
                    demande_le=demande.horodatage,
                ),
            )
            await depots.ajouter_evenement(
                session,
                campagne.workflow_id,
                EVENEMENT_RENVOI,
                Acteur.superviseur.value,
                demande.horodatage,
                demande.compte_id or None,
                {
                    "document_remplace": demande.document_id,
                    "document": renvoi.document_id,
                    "version": version,
                    "cohorte": cible.cohorte,
                    "canal": canal.value,
                    "motif": demande.motif,
                },
            )
            return _version(renvoi, version)

    @activity.defn(name="campagne_renvoi_annoncer")
    async def annoncer(self, produite: VersionProduite) -> ResultatRenvoi:
        """The agent told once: a mail (a refused one switches the agent to paper), or the new version in the print
        batch of the campaign's next tranche (``domain.campagne_renvoi.prochaine_tranche``)."""
        if produite.horodatage is None:
            raise _refus("annonce sans horodatage")
        async with self._sessions() as session:
            renvoi = await session.get(RenvoiCampagne, produite.renvoi_id)
            if renvoi is None:
                raise _refus(f"renvoi {produite.renvoi_id} introuvable")
            if renvoi.livraison is not None:
                return _resultat(renvoi, produite)
            campagne = await session.get(CampagneTable, renvoi.campagne_id)
            affilie = await session.get(Affilie, renvoi.affilie_id)
            nouveau = await session.get(Document, renvoi.document_id)
            ancien = await session.get(Document, renvoi.document_remplace_id)
            cible = await session.get(CibleCampagne, renvoi.cible_id)
        if campagne is None or affilie is None or nouveau is None or ancien is None or cible is None:
            raise _refus(f"renvoi {produite.renvoi_id} incomplet")
        livraison, tranche = Livraison.courriel, None
        if produite.canal is Canal.email:
            cle = dai.cle_mail_renvoi(campagne.workflow_id, ancien.id or 0)
            await self._mails.envoyer(
                [
                    MailCampagne(
                        cle,
                        "campagne_document_renvoye",
                        affilie.email,
                        {
                            "url": self._url,
                            "affilie": {"prenom": affilie.prenom, "nom": affilie.nom},
                            "campagne": {"annee": campagne.annee, "annee_envoi": campagne.annee_envoi},
                            "document_dai": {"id": nouveau.id, "titre": TITRES[cible.cohorte], "type": cible.cohorte},
                            "document_remplace": {"id": ancien.id, "cree_le": ancien.cree_le},
                        },
                    )
                ],
                campagne.workflow_id,
                produite.horodatage,
            )
            if await self._mails.refuses([cle]):
                livraison = Livraison.papier_apres_refus
        if produite.canal is Canal.papier or livraison is Livraison.papier_apres_refus:
            livraison = livraison if livraison is Livraison.papier_apres_refus else Livraison.papier
            if not lignes_adresse(affilie.adresse_postale):
                livraison = Livraison.sans_adresse
            else:
                rang = prochaine_tranche(renvoi_campagne.calendrier_stocke(campagne), produite.horodatage)
                await self._imprimeur.imprimer(
                    campagne.workflow_id,
                    campagne.annee,
                    rang,
                    cible.lot,
                    [pli(nouveau, affilie, cible.cohorte, livraison)],
                    produite.horodatage,
                )
                tranche = rang + 1
        async with transaction(self._sessions) as session:
            renvoi = await session.get(RenvoiCampagne, produite.renvoi_id)
            if renvoi is None:
                raise _refus(f"renvoi {produite.renvoi_id} introuvable")
            await renvoi_campagne.marquer_livraison(session, renvoi, livraison, tranche, produite.horodatage)
            if produite.canal is Canal.email and livraison is not Livraison.courriel:
                # The mail refused: the agent on paper from now on, and the address to correct shown to the
                # supervisors, as for a refusal during the campaign's sending; the postal address too if unknown.
                etape = etape_documents(cible.tranche)
                agent = [(cible.affilie_id, cible.lot)]
                await courriels_en_echec(session, campagne.id or 0, agent, etape, produite.horodatage)
                if livraison is Livraison.sans_adresse:
                    await signaler_sans_adresse(
                        session, campagne.id or 0, cible.affilie_id, cible.lot, etape, produite.horodatage
                    )
            return _resultat(renvoi, produite)


_SANS_DROIT = {
    dai.MotifExclusion.deces: "Le décès de l'agent est enregistré : aucun document ne lui est renvoyé.",
    dai.MotifExclusion.retraite: "L'agent est parti à la retraite : aucun document de campagne ne lui est renvoyé.",
    dai.MotifExclusion.radiation: "L'agent a quitté le régime : aucun document de campagne ne lui est renvoyé.",
}


def _version(renvoi: RenvoiCampagne, version: int) -> VersionProduite:
    return VersionProduite(
        renvoi_id=renvoi.id or 0,
        document_remplace_id=renvoi.document_remplace_id,
        document_id=renvoi.document_id,
        version=version,
        canal=Canal(renvoi.canal),
    )


def _resultat(renvoi: RenvoiCampagne, produite: VersionProduite) -> ResultatRenvoi:
    return ResultatRenvoi(
        document_remplace_id=renvoi.document_remplace_id,
        document_id=renvoi.document_id,
        version=produite.version,
        canal=Canal(renvoi.canal),
        livraison=Livraison(renvoi.livraison or Livraison.sans_adresse.value),
        tranche=renvoi.tranche,
        livre_le=renvoi.livre_le,
    )
