"""Campaign mails that came back after the server accepted them (``domain.campagne_rebonds``): one activity,
idempotent. Each bounced mail to an agent takes the way of a mail refused during the exchange (``activities.campagne``):
the agent switched to paper, one business incident, the document in a print batch — here the next tranche's, as for a
re-sent document (``domain.campagne_renvoi.prochaine_tranche``). A bounced mail to an employer is the employer's one
incident of the campaign, the one the cut-off opens for its refused mails. The letters are laid out first (the batch
is merged by document: laid out again, nothing is added twice), then the mail is marked ``rebondi`` in the transaction
that does the rest: a mail already marked is not done again, whoever reports it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities.campagne import (
    courriels_en_echec,
    etape_documents,
    livraison_papier,
    pli,
    signaler_sans_adresse,
)
from activities.campagne_papier import Imprimeur, Pli
from activities.refus import refus_definitif
from domain.adresse import cle_incident_courriel_employeur
from domain.campagne import LIVRAISONS_PAPIER, EtatCible, Livraison, Livraisons, mail_d_employeur
from domain.campagne_rebonds import (
    EVENEMENT_REBOND,
    REFUS_REBOND,
    DemandeRebonds,
    DestinataireRebond,
    Rebond,
    RebondTraite,
    ResultatRebonds,
    destinataire_du_mail,
    motif_incident_rebond_employeur,
    refus_courriel_des_superviseurs,
)
from domain.campagne_renvoi import prochaine_tranche
from domain.etats import Acteur, EtatMail, TypeIncident
from persistence import depots, depots_campagne, livraison_campagne, rebonds_campagne, renvoi_campagne
from persistence.db import SessionFactory, transaction
from persistence.models import Affilie, Document, Employeur, Mail
from persistence.models_campagne import CampagneTable, CibleCampagne, RenvoiCampagne
from persistence.rebonds_campagne import CourrielDAgent

_refus = partial(refus_definitif, REFUS_REBOND)


def motif_incident_rebond(motif: str) -> str:
    return (
        f"Le courriel envoyé à l'agent est revenu après son envoi : « {motif.rstrip('.')} ». Son document part par "
        "courrier, et les suivants aussi. Corrigez son adresse électronique si elle est fausse."
    )


class ActivitesRebonds:
    def __init__(self, sessions: SessionFactory, imprimeur: Imprimeur) -> None:
        self._sessions = sessions
        self._imprimeur = imprimeur

    @activity.defn(name="campagne_rebonds_traiter")
    async def traiter(self, demande: DemandeRebonds) -> ResultatRebonds:
        if demande.horodatage is None:
            raise _refus("rebonds sans horodatage")
        le = demande.horodatage
        rebonds = list({rebond.message_id: rebond for rebond in demande.rebonds}.values())
        async with self._sessions() as session:
            campagne = await depots_campagne.campagne_par_annee(session, demande.annee)
            if campagne is None:
                raise _refus(f"Aucune campagne {demande.annee} : aucun de ses courriels ne peut être revenu.")
            mails = await rebonds_campagne.mails_par_message_id(
                session, campagne.workflow_id, [rebond.message_id for rebond in rebonds]
            )
            trouves: list[tuple[Rebond, Mail, CourrielDAgent]] = []
            aux_employeurs: list[tuple[Rebond, Mail, int]] = []
            for rebond in rebonds:
                mail = mails.get(rebond.message_id)
                if mail is None:
                    raise _refus(
                        f"Aucun courriel de la campagne {demande.annee} n'a le Message-ID {rebond.message_id}."
                    )
                destinataire = destinataire_du_mail(campagne.workflow_id, mail.cle)
                if destinataire is None:
                    raise _refus(refus_courriel_des_superviseurs(rebond.message_id))
                if mail.etat in (EtatMail.a_envoyer.value, EtatMail.incident.value):
                    raise _refus(f"Le courriel {rebond.message_id} n'a pas encore été envoyé : il ne peut être revenu.")
                employeur_id = mail_d_employeur(campagne.workflow_id, mail.cle)
                if destinataire is DestinataireRebond.employeur and employeur_id is not None:
                    aux_employeurs.append((rebond, mail, employeur_id))
                    continue
                courriel = await rebonds_campagne.courriel_d_agent(session, campagne, mail)
                if courriel is None:
                    raise _refus(
                        f"Le courriel {rebond.message_id} annonçait un document que la campagne ne connaît pas."
                    )
                trouves.append((rebond, mail, courriel))
            affilies = {
                courriel.cible.affilie_id: await session.get(Affilie, courriel.cible.affilie_id)
                for _, _, courriel in trouves
            }
            documents = await livraison_campagne.documents(
                session, [courriel.cible.document_id or 0 for _, _, courriel in trouves]
            )
        rang = prochaine_tranche(renvoi_campagne.calendrier_stocke(campagne), le)
        nouveaux = [
            (rebond, mail, courriel) for rebond, mail, courriel in trouves if mail.etat == EtatMail.envoye.value
        ]
        modes = {
            mail.id: livraison_papier(affilies[courriel.cible.affilie_id], Livraison.papier_apres_rebond)
            for _, mail, courriel in nouveaux
        }
        await self._imprimer(campagne, rang, nouveaux, modes, affilies, documents, le)
        traites: dict[str, RebondTraite] = {}
        async with transaction(self._sessions) as session:
            for rebond, mail, courriel in trouves:
                nouveau = mail.id in modes and await rebonds_campagne.marquer_rebondi(
                    session, mail.id or 0, le, rebond.motif
                )
                cible = await session.get(CibleCampagne, courriel.cible.id)
                if cible is None:
                    raise _refus(f"courriel {rebond.message_id} : sa cible a disparu")
                if not nouveau:
                    traites[rebond.message_id] = RebondTraite(
                        rebond.message_id,
                        deja_signale=True,
                        document_id=cible.document_id or 0,
                        livraison=Livraison(cible.livraison or Livraison.courriel.value),
                    )
                    continue
                mode = modes[mail.id]
                tranche = rang + 1 if mode in LIVRAISONS_PAPIER else None
                await self._noter(session, campagne, cible, courriel.renvoi, mode, tranche, rebond.motif, le)
                traites[rebond.message_id] = RebondTraite(
                    rebond.message_id,
                    deja_signale=False,
                    document_id=cible.document_id or 0,
                    livraison=mode,
                    tranche=tranche,
                )
                await _historique(
                    session,
                    campagne,
                    demande,
                    le,
                    {
                        "message_id": rebond.message_id,
                        "motif": rebond.motif,
                        "document": cible.document_id,
                        "cohorte": cible.cohorte,
                        "livraison": mode.value,
                        "tranche": tranche,
                    },
                )
            for rebond, mail, employeur_id in aux_employeurs:
                traites[rebond.message_id] = await _signaler_employeur(
                    session, campagne, demande, rebond, mail, employeur_id, le
                )
        return ResultatRebonds([traites[rebond.message_id] for rebond in rebonds])

    @activity.defn(name="campagne_rebonds_recompter_campagne_close")
    async def recompter_campagne_close(self, demande: DemandeRebonds) -> Livraisons:
        """The bounced mails' campaign has ended (its process took no signal): its stored mails and letters counted
        again, in its row."""
        async with transaction(self._sessions) as session:
            campagne = await depots_campagne.campagne_par_annee(session, demande.annee)
            if campagne is None:
                raise _refus(f"Aucune campagne {demande.annee} : ses compteurs ne peuvent être refaits.")
            return await livraison_campagne.recompter_campagne_close(session, campagne)

    async def _imprimer(
        self,
        campagne: CampagneTable,
        rang: int,
        nouveaux: list[tuple[Rebond, Mail, CourrielDAgent]],
        modes: dict[int | None, Livraison],
        affilies: dict[int, Affilie | None],
        documents: dict[int, Document],
        le: datetime,
    ) -> None:
        """The bounced agents' documents into the print batch of the next tranche, batch by batch of employers."""
        par_lot: dict[int, list[Pli]] = {}
        for _, mail, courriel in nouveaux:
            cible, mode = courriel.cible, modes[mail.id]
            document = documents.get(cible.document_id or 0)
            if mode in LIVRAISONS_PAPIER and document is not None:
                par_lot.setdefault(cible.lot, []).append(pli(document, affilies[cible.affilie_id], cible.cohorte, mode))
        for lot, plis in par_lot.items():
            await self._imprimeur.imprimer(campagne.workflow_id, campagne.annee, rang, lot, plis, le)
            activity.heartbeat(lot)

    @staticmethod
    async def _noter(
        session,
        campagne: CampagneTable,
        cible: CibleCampagne,
        renvoi: RenvoiCampagne | None,
        mode: Livraison,
        tranche: int | None,
        motif: str,
        le: datetime,
    ) -> None:
        """How the document reaches the agent now, the switch to paper and its incident — the refused mail's own
        steps; without a postal address the document waits for a later tranche, as one due on paper does."""
        renvoi = await session.get(RenvoiCampagne, renvoi.id) if renvoi is not None else None
        if renvoi is not None and renvoi.document_id == cible.document_id:
            await renvoi_campagne.marquer_livraison(session, renvoi, mode, tranche, le)
        cible.livraison = mode.value
        if mode is Livraison.sans_adresse:
            cible.etat = EtatCible.document_produit.value
        session.add(cible)
        etape = etape_documents(cible.tranche)
        await courriels_en_echec(
            session, campagne.id or 0, [(cible.affilie_id, cible.lot)], etape, le, motif_incident_rebond(motif)
        )
        if mode is Livraison.sans_adresse:
            await signaler_sans_adresse(session, campagne.id or 0, cible.affilie_id, cible.lot, etape, le)


async def _signaler_employeur(
    session: AsyncSession,
    campagne: CampagneTable,
    demande: DemandeRebonds,
    rebond: Rebond,
    mail: Mail,
    employeur_id: int,
    le: datetime,
) -> RebondTraite:
    """An employer's mail that came back: marked bounced by the one statement that decides (reported twice, even at
    once, it is taken once), then the employer's one incident of the campaign — the one the cut-off opens for its
    refused mails — and the history. Its count is the employer's mails that did not reach it, refused or bounced,
    read again here: a bounce and the cut-off write the same whichever comes last."""
    if not await rebonds_campagne.marquer_rebondi(session, mail.id or 0, le, rebond.motif):
        return RebondTraite(
            rebond.message_id, deja_signale=True, destinataire=DestinataireRebond.employeur, employeur_id=employeur_id
        )
    employeur = await session.get(Employeur, employeur_id)
    echecs = (await livraison_campagne.courriels_employeurs_en_echec(session, campagne.workflow_id)).get(employeur_id)
    await livraison_campagne.signaler_incident(
        session,
        campagne.id or 0,
        cle_incident_courriel_employeur(employeur_id),
        TypeIncident.metier.value,
        "mise_a_jour",
        motif_incident_rebond_employeur(
            employeur.raison_sociale if employeur else f"n° {employeur_id}", mail.evenement, rebond.motif
        ),
        le,
        tentatives=max(sum(echecs.values()) if echecs else 0, 1),
        cumul=False,
    )
    await _historique(
        session,
        campagne,
        demande,
        le,
        {"message_id": rebond.message_id, "motif": rebond.motif, "employeur": employeur_id},
    )
    return RebondTraite(
        rebond.message_id, deja_signale=False, destinataire=DestinataireRebond.employeur, employeur_id=employeur_id
    )


async def _historique(
    session: AsyncSession, campagne: CampagneTable, demande: DemandeRebonds, le: datetime, details: dict[str, Any]
) -> None:
    """The bounce in the campaign's history, with who reported it (a supervisor, or the operator's command)."""
    await depots.ajouter_evenement(
        session,
        campagne.workflow_id,
        EVENEMENT_REBOND,
        (Acteur.superviseur if demande.compte_id else Acteur.cnracl).value,
        le,
        demande.compte_id or None,
        details,
    )
