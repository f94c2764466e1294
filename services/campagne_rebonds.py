"""Report the mail provider's bounces to a campaign (``POST /campagnes/{annee}/rebonds``, supervisors; ``cnracl campagne
rebonds``): the Message-IDs of the mails that came back, each with why, or the raw delivery status notifications.
Each mail is checked — a mail of this campaign to an agent or an employer, which the server accepted — before the
process (``RebondsCampagneWorkflow``) starts; its result is awaited a moment, a process still running is
answered « en_cours »."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import WorkflowFailureError

from domain.campagne import Livraison
from domain.campagne_rebonds import (
    MOTIF_MAX,
    REFUS_REBOND,
    DemandeRebonds,
    DestinataireRebond,
    Rebond,
    ResultatRebonds,
    destinataire_du_mail,
    lire_avis,
    normaliser_message_id,
    refus_courriel_des_superviseurs,
)
from domain.erreurs import Conflit, Introuvable, Refus
from domain.etats import EtatMail, Role
from domain.saisie import Saisie
from domain.texte import TexteLibreMultiligne
from persistence import depots_campagne, rebonds_campagne
from persistence.models import Compte
from persistence.models_campagne import CampagneTable
from services.acces import exiger_role
from services.moteur import Moteur, joignable, motif_du_refus
from workflows.campagne_documents import demarrer_rebonds

ATTENTE_RESULTAT = 20.0  # seconds the request waits for the bounces to be taken
AVIS_MAX = 200_000  # characters of one raw notification (the returned mail's headers, not its whole body)


class RebondSignale(Saisie):
    model_config = ConfigDict(str_strip_whitespace=True)
    message_id: str = Field(
        max_length=250, description="L'en-tête Message-ID du courriel revenu, avec ou sans ses chevrons < >"
    )
    motif: TexteLibreMultiligne = Field(
        max_length=MOTIF_MAX,
        description="Pourquoi il est revenu (consigné dans l'historique de la campagne et dans l'incident)",
    )

    @field_validator("message_id")
    @classmethod
    def _message_id(cls, valeur: str) -> str:
        normalise = normaliser_message_id(valeur)
        if normalise is None:
            raise ValueError(
                "un Message-ID s'écrit identifiant@domaine, entre chevrons ou non (par exemple "
                "<3f2a…@cnracl.fr>) : recopiez l'en-tête Message-ID du courriel revenu."
            )
        return normalise

    @field_validator("motif")
    @classmethod
    def _motif_donne(cls, motif: str) -> str:
        if not motif.strip():
            raise ValueError("indiquez pourquoi le courriel est revenu (par exemple « boîte aux lettres inconnue »)")
        return motif.strip()


class SignalementRebonds(Saisie):
    """Les courriels revenus, chacun par son Message-ID et la raison de son retour ; ou les avis de non-remise tels
    que le serveur de messagerie les a renvoyés."""

    rebonds: list[RebondSignale] = Field(default_factory=list, max_length=1000)
    avis_de_non_remise: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Avis de non-remise bruts (RFC 3464 : multipart/report, report-type=delivery-status), tels que "
        "le serveur de messagerie les a renvoyés",
    )

    @field_validator("avis_de_non_remise")
    @classmethod
    def _taille(cls, avis: list[str]) -> list[str]:
        for rang, texte in enumerate(avis, start=1):
            if len(texte) > AVIS_MAX:
                raise ValueError(
                    f"l'avis n° {rang} dépasse {AVIS_MAX} caractères : transmettez l'avis avec les seuls en-têtes du "
                    "courriel revenu (text/rfc822-headers), ou son Message-ID."
                )
        return avis

    @model_validator(mode="after")
    def _au_moins_un(self) -> SignalementRebonds:
        if not self.rebonds and not self.avis_de_non_remise:
            raise ValueError(
                "rebonds : indiquez au moins un courriel revenu (« rebonds » : son Message-ID et le motif), ou "
                "l'avis de non-remise reçu (« avis_de_non_remise »)."
            )
        return self


class RebondPublic(BaseModel):
    message_id: str
    destinataire: DestinataireRebond = Field(
        description="À qui le courriel était adressé : agent (son document passe au courrier) ou employeur (un "
        "incident s'ouvre : son adresse est à corriger, l'employeur à prévenir)",
    )
    document_id: int | None = Field(default=None, description="Courriel à un agent : le document qu'il annonçait")
    livraison: Livraison | None = Field(
        default=None, description="Courriel à un agent : comment le document lui parvient désormais"
    )
    tranche: int | None = Field(default=None, description="Courrier : la tranche dont le lot d'impression le contient")
    employeur_id: int | None = Field(default=None, description="Courriel à un employeur : l'employeur concerné")
    deja_signale: bool = Field(description="Ce courriel était déjà revenu (ou refusé) : rien n'a été refait")


class RebondsPublic(BaseModel):
    etat: Literal["traite", "en_cours"] = Field(
        description="traite : chaque courriel revenu est pris en compte ; en_cours : il le sera dans un instant"
    )
    rebonds: list[RebondPublic] = Field(default_factory=list)


async def signaler_rebonds(
    session: AsyncSession, moteur: Moteur, compte: Compte, annee: int, corps: SignalementRebonds
) -> RebondsPublic:
    exiger_role(compte, Role.superviseur)
    rebonds = [Rebond(rebond.message_id, rebond.motif) for rebond in corps.rebonds]
    avis: list[tuple[str, bytes | str]] = [
        (f"l'avis n° {rang}", texte) for rang, texte in enumerate(corps.avis_de_non_remise, start=1)
    ]
    return await _signaler(session, moteur, annee, rebonds, avis, compte.id or 0)


async def signaler_avis(
    session: AsyncSession, moteur: Moteur, annee: int, avis: Sequence[tuple[str, bytes | str]]
) -> RebondsPublic:
    """The operator's command line (``cnracl campagne rebonds``): the notifications read from files, each named."""
    return await _signaler(session, moteur, annee, [], list(avis), 0)


async def _signaler(
    session: AsyncSession,
    moteur: Moteur,
    annee: int,
    rebonds: list[Rebond],
    avis: list[tuple[str, bytes | str]],
    compte_id: int,
) -> RebondsPublic:
    campagne = await depots_campagne.campagne_par_annee(session, annee)
    if campagne is None:
        raise Introuvable(f"Aucune campagne {annee} : aucun de ses courriels ne peut être revenu.")
    for nom, brut in avis:
        for lu in lire_avis(brut, nom):
            message_id = lu.message_id or await _par_destinataire(session, campagne, lu.destinataire or "", nom)
            rebonds.append(Rebond(message_id, lu.motif))
    rebonds = list({rebond.message_id: rebond for rebond in rebonds}.values())
    await _verifier(session, campagne, rebonds)
    demande = DemandeRebonds(annee, rebonds, compte_id)
    await session.close()  # the wait below holds no connection
    async with joignable():
        handle = await demarrer_rebonds(await moteur.client(), moteur.settings.task_queue, demande)
        try:
            resultat = await asyncio.wait_for(handle.result(), ATTENTE_RESULTAT)
        except TimeoutError:
            return RebondsPublic(etat="en_cours")
        except WorkflowFailureError as echec:
            raise Conflit(
                motif_du_refus(
                    echec, REFUS_REBOND, "Les courriels revenus n'ont pas pu être traités : réessayez dans un instant."
                )
            ) from None
    return _public(resultat)


async def _par_destinataire(session: AsyncSession, campagne: CampagneTable, adresse: str, nom: str) -> str:
    """A notification that does not name its mail: the campaign's latest mail to that agent's or employer's
    address."""
    mails = await rebonds_campagne.mails_a(session, campagne.workflow_id, adresse)
    if not mails:
        raise Introuvable(
            f"{nom[0].upper()}{nom[1:]} ne donne pas le Message-ID du courriel revenu, et la campagne {campagne.annee} "
            f"n'a envoyé aucun courriel à l'adresse {adresse} : vérifiez l'avis, ou indiquez le Message-ID."
        )
    return mails[0].message_id


async def _verifier(session: AsyncSession, campagne: CampagneTable, rebonds: list[Rebond]) -> None:
    """Each bounce names a mail of this campaign to an agent or an employer, which the mail server accepted."""
    mails = await rebonds_campagne.mails_par_message_id(
        session, campagne.workflow_id, [rebond.message_id for rebond in rebonds]
    )
    inconnus = [rebond.message_id for rebond in rebonds if rebond.message_id not in mails]
    if inconnus:
        raise Introuvable(
            f"Aucun courriel de la campagne {campagne.annee} n'a "
            + ("le Message-ID " if len(inconnus) == 1 else "les Message-ID ")
            + ", ".join(inconnus)
            + " : vérifiez l'identifiant (l'en-tête Message-ID du courriel revenu) et l'année de la campagne."
        )
    for rebond in rebonds:
        mail = mails[rebond.message_id]
        destinataire = destinataire_du_mail(campagne.workflow_id, mail.cle)
        if destinataire is None:
            raise Refus(refus_courriel_des_superviseurs(rebond.message_id), "rebonds", "courriel_des_superviseurs")
        if (
            destinataire is DestinataireRebond.agent
            and await rebonds_campagne.courriel_d_agent(session, campagne, mail) is None
        ):
            raise Introuvable(
                f"Le courriel {rebond.message_id} annonçait un document que la campagne {campagne.annee} ne connaît "
                "pas : vérifiez l'identifiant (l'en-tête Message-ID du courriel revenu)."
            )
        if mail.etat in (EtatMail.a_envoyer.value, EtatMail.incident.value):
            raise Conflit(
                f"Le courriel {rebond.message_id} n'a pas encore été accepté par le serveur de messagerie : il ne "
                "peut pas être revenu. Réessayez une fois qu'il est parti."
            )


def _public(resultat: ResultatRebonds) -> RebondsPublic:
    return RebondsPublic(
        etat="traite",
        rebonds=[RebondPublic.model_validate(rebond, from_attributes=True) for rebond in resultat.rebonds],
    )
