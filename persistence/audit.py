"""The tamper-evident history: every event is chained to the previous one by a SHA-256 hash.

An altered event no longer matches its hash; a removed event breaks the chain (the next event points
at a hash that is gone); removing the last events leaves the anchor pointing past the end.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timezone

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from persistence.models import AncreAudit, Evenement


def empreinte(evenement: Evenement, precedente: str | None) -> str:
    horodatage = evenement.horodatage
    if horodatage is not None:
        horodatage = horodatage.astimezone(timezone.utc) if horodatage.tzinfo else horodatage.replace(tzinfo=timezone.utc)
    contenu = {
        "processus_id": evenement.processus_id, "type": evenement.type, "acteur": evenement.acteur,
        "compte_id": evenement.compte_id, "horodatage": horodatage.isoformat() if horodatage else None,
        "details": evenement.details, "precedente": precedente,
    }
    return hashlib.sha256(json.dumps(contenu, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


async def chainer(session: AsyncSession, evenement: Evenement) -> None:
    """Link ``evenement`` (not yet flushed) to the chain. Taking the anchor row first serialises appends."""
    ligne = (await session.exec(text(  # type: ignore[call-overload]
        "UPDATE ancre_audit SET nombre = nombre + 1 WHERE id = 1 RETURNING empreinte"))).first()
    if ligne is None:
        session.add(AncreAudit(id=1, empreinte=None, nombre=1))
        await session.flush()
        precedente = None
    else:
        precedente = ligne[0]
    evenement.empreinte_precedente = precedente
    evenement.empreinte = empreinte(evenement, precedente)
    await session.exec(text("UPDATE ancre_audit SET empreinte = :e WHERE id = 1").bindparams(e=evenement.empreinte))  # type: ignore[call-overload]


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
        evenements = (await session.exec(select(Evenement).where(Evenement.id > dernier_id)
                                         .order_by(col(Evenement.id)).limit(lot))).all()
        if not evenements:
            break
        for e in evenements:
            resultat.evenements += 1
            if e.empreinte_precedente != precedente:
                resultat.anomalies.append(
                    f"événement n° {e.id} : la chaîne est rompue juste avant lui (un événement a été supprimé "
                    "ou inséré)")
            if e.empreinte != empreinte(e, e.empreinte_precedente):
                resultat.anomalies.append(f"événement n° {e.id} ({e.type}, {e.processus_id}) : contenu modifié")
            precedente = e.empreinte
            dernier_id = e.id  # type: ignore[assignment]
    ancre = await session.get(AncreAudit, 1)
    attendu = (ancre.empreinte, ancre.nombre) if ancre else (None, 0)
    if attendu != (precedente, resultat.evenements):
        resultat.anomalies.append(
            f"fin de l'historique : l'ancre attend {attendu[1]} événements, {resultat.evenements} trouvés "
            "(des derniers événements ont été supprimés ou ajoutés hors du service)")
    return resultat
