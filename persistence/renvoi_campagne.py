"""A campaign document re-sent (``domain.campagne_renvoi``): the new version beside the old one, the re-send's record,
and what the delivery page reads of them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import Calendrier, EtatCible, Livraison
from persistence.models import Document
from persistence.models_campagne import CampagneTable, CibleCampagne, RenvoiCampagne

# ``str(timedelta)``, as ``depots_campagne`` stores the calendar's interval: « 7 days, 0:00:00 », « 2:30:00 ».
_DUREE = re.compile(r"(?:(-?\d+) days?, )?(\d+):(\d{2}):(\d{2})(?:\.(\d+))?")


def _duree(valeur: str) -> timedelta:
    trouve = _DUREE.fullmatch(valeur)
    if trouve is None:
        raise ValueError(f"durée du calendrier illisible : {valeur!r}")
    jours, heures, minutes, secondes, fraction = trouve.groups()
    return timedelta(
        days=int(jours or 0),
        hours=int(heures),
        minutes=int(minutes),
        seconds=int(secondes),
        microseconds=int((fraction or "0").ljust(6, "0")[:6]),
    )


def calendrier_stocke(campagne: CampagneTable) -> Calendrier:
    """The calendar the campaign was started with, read back from its row."""
    donnees = campagne.calendrier

    def instant(cle: str) -> datetime:
        return datetime.fromisoformat(donnees[cle])

    return Calendrier(
        lancement=instant("lancement"),
        rappels=[datetime.fromisoformat(r) for r in donnees.get("rappels", [])],
        date_limite=instant("date_limite"),
        transmission=instant("transmission"),
        debut_envoi=instant("debut_envoi"),
        fin_envoi=instant("fin_envoi"),
        intervalle_envoi=_duree(donnees["intervalle_envoi"]),
        fin_legale=instant("fin_legale") if donnees.get("fin_legale") else None,
    )


async def cible_du_document(session: AsyncSession, campagne_id: int, document_id: int) -> CibleCampagne | None:
    """The campaign's target whose current document this is (a replaced version is no target's any more)."""
    requete = select(CibleCampagne).where(
        CibleCampagne.campagne_id == campagne_id, CibleCampagne.document_id == document_id
    )
    return (await session.exec(requete)).first()


async def remplacant(session: AsyncSession, document_id: int) -> Document | None:
    """The version that replaces this document, if any."""
    return (await session.exec(select(Document).where(Document.remplace_id == document_id))).first()


async def renvoi_du_document(session: AsyncSession, document_remplace_id: int) -> RenvoiCampagne | None:
    requete = select(RenvoiCampagne).where(RenvoiCampagne.document_remplace_id == document_remplace_id)
    return (await session.exec(requete)).first()


async def enregistrer_version(
    session: AsyncSession, cible: CibleCampagne, nouveau: Document, renvoi: RenvoiCampagne
) -> RenvoiCampagne:
    """The new version (naming the one it replaces) becomes the target's document; the re-send is recorded. The
    unique keys (one replacement per document) refuse a second one written at the same time."""
    session.add(nouveau)
    await session.flush()
    cible.document_id = renvoi.document_id = nouveau.id or 0
    session.add(cible)
    session.add(renvoi)
    await session.flush()
    return renvoi


async def marquer_livraison(
    session: AsyncSession, renvoi: RenvoiCampagne, livraison: Livraison, tranche: int | None, le: datetime
) -> None:
    """How the new version reached the agent, on the re-send and on its target (the delivery page's column)."""
    renvoi.livraison, renvoi.tranche, renvoi.livre_le = livraison.value, tranche, le
    session.add(renvoi)
    cible = await session.get(CibleCampagne, renvoi.cible_id)
    if cible is not None and cible.document_id == renvoi.document_id:
        cible.livraison = livraison.value
        if livraison is not Livraison.sans_adresse:
            cible.etat = EtatCible.document_annonce.value
        session.add(cible)


async def renvois_de_la_campagne(session: AsyncSession, campagne_id: int) -> dict[int, dict[str, Any]]:
    """Each re-sent version of the campaign by its document's number: when, how, and the version it replaces."""
    requete = (
        select(RenvoiCampagne, Document)
        .join(Document, col(Document.id) == col(RenvoiCampagne.document_remplace_id))
        .where(RenvoiCampagne.campagne_id == campagne_id)
    )
    return {
        renvoi.document_id: {
            "demande_le": renvoi.demande_le,
            "livre_le": renvoi.livre_le,
            "livraison": renvoi.livraison,
            "tranche": renvoi.tranche,
            "canal": renvoi.canal,
            "motif": renvoi.motif,
            "remplace": {"id": ancien.id, "cree_le": ancien.cree_le},
        }
        for renvoi, ancien in (await session.exec(requete)).all()
    }
