"""The tamper-evident history: every event is chained to the previous one by a SHA-256 hash.

An altered event no longer matches its hash; a removed event breaks the chain (the next event points
at a hash that is gone); removing the last events leaves the anchor pointing past the end.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import event, text
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from persistence.fabrique import identifiant
from persistence.models import AncreAudit, Evenement


def empreinte(evenement: Evenement, precedente: str | None) -> str:
    horodatage = evenement.horodatage
    if horodatage is not None:
        horodatage = horodatage.astimezone(UTC) if horodatage.tzinfo else horodatage.replace(tzinfo=UTC)
    contenu = {
        "processus_id": evenement.processus_id,
        "type": evenement.type,
        "acteur": evenement.acteur,
        "compte_id": evenement.compte_id,
        "horodatage": horodatage.isoformat() if horodatage else None,
        "details": evenement.details,
        "precedente": precedente,
    }
    return hashlib.sha256(json.dumps(contenu, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


_A_CHAINER = "evenements_a_chainer"


def chainer(session: AsyncSession, evenement: Evenement) -> None:
    """Queue ``evenement`` (not yet in the session): it is linked to the chain and inserted when the transaction
    commits, the events of the transaction together. Taking the anchor row serialises appends across processes;
    taken at the commit, it is held for three statements and the commit, not for the rest of the transaction
    (measured: up to 12 sessions waited for it when a process held it from its first event on)."""
    session.sync_session.info.setdefault(_A_CHAINER, []).append(evenement)


def a_chainer(session: AsyncSession) -> list[Evenement]:
    """The events this transaction will append at its commit."""
    return session.sync_session.info.get(_A_CHAINER, [])


@event.listens_for(Session, "before_commit")
def _chainer_au_commit(session: Session) -> None:
    evenements = session.info.pop(_A_CHAINER, None)
    if not evenements:
        return
    # The statements before this one (the transaction's other writes) are flushed first, outside the lock.
    ligne = session.execute(
        text("UPDATE ancre_audit SET nombre = nombre + :n WHERE id = 1 RETURNING empreinte"), {"n": len(evenements)}
    ).first()
    if ligne is None:
        session.add(AncreAudit(id=1, empreinte=None, nombre=len(evenements)))
        session.flush()
        precedente = None
    else:
        precedente = ligne[0]
    for evenement in evenements:  # inserted in this order, inside the lock: the ids follow the chain
        evenement.empreinte_precedente = precedente
        evenement.empreinte = precedente = empreinte(evenement, precedente)
    session.add_all(evenements)
    session.execute(text("UPDATE ancre_audit SET empreinte = :e WHERE id = 1"), {"e": precedente})


@event.listens_for(Session, "after_transaction_end")
def _oublier_si_annulee(session: Session, transaction) -> None:
    """A transaction rolled back appends nothing (after a commit the list is already empty)."""
    if transaction.parent is None:
        session.info.pop(_A_CHAINER, None)


@dataclass
class Verification:
    evenements: int = 0
    anomalies: list[str] = field(default_factory=list)

    @property
    def intacte(self) -> bool:
        return not self.anomalies


async def verifier(session: AsyncSession, lot: int = 5000) -> Verification:
    resultat = Verification()
    precedente: str | None = None
    dernier_id = 0
    while True:
        evenements = (
            await session.exec(
                select(Evenement).where(col(Evenement.id) > dernier_id).order_by(col(Evenement.id)).limit(lot)
            )
        ).all()
        if not evenements:
            break
        for e in evenements:
            resultat.evenements += 1
            if e.empreinte_precedente != precedente:
                resultat.anomalies.append(
                    f"événement n° {e.id} : la chaîne est rompue juste avant lui (un événement a été supprimé "
                    "ou inséré)"
                )
            if e.empreinte != empreinte(e, e.empreinte_precedente):
                resultat.anomalies.append(f"événement n° {e.id} ({e.type}, {e.processus_id}) : contenu modifié")
            precedente = e.empreinte
            dernier_id = identifiant(e)
    ancre = await session.get(AncreAudit, 1)
    attendu = (ancre.empreinte, ancre.nombre) if ancre else (None, 0)
    if attendu != (precedente, resultat.evenements):
        resultat.anomalies.append(
            f"fin de l'historique : l'ancre attend {attendu[1]} événements, {resultat.evenements} trouvés "
            "(des derniers événements ont été supprimés ou ajoutés hors du service)"
        )
    return resultat
