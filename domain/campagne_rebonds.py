"""Campaign mails that came back after the mail server accepted them (issue 24): the mail provider's bounces, each a
delivery status notification (« avis de non-remise », RFC 3464), reported to the campaign by the Message-ID of the
mail. A refusal during the SMTP exchange is seen at once (``activities.campagne_mails``); a bounce comes later and
takes the same way: the agent switched to paper, the document in the next print batch, an incident. An employer's
mail (the launch, a reminder) meets the incident of its refused mails (one per employer, opened at the cut-off):
its address is to correct, the employer to warn. What crosses Temporal, and the reading of a raw notification.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import HeaderParser
from enum import StrEnum

from domain.campagne import Livraison, id_workflow_campagne, mail_d_agent, mail_d_employeur
from domain.erreurs import Refus

EVENEMENT_REBOND = "courriel_rebondi"
# The type of the activity's refusals (not retried), which the service gives back as they are.
REFUS_REBOND = "RebondRefuse"
MOTIF_MAX = 300

_MESSAGE_ID = re.compile(r"<?(?P<gauche>[^<>@\s]+)@(?P<droite>[^<>@\s]+)>?")


def normaliser_message_id(valeur: str) -> str | None:
    """The Message-ID as the outbox stores it (« <…@…> »), whether given with its angle brackets or without; ``None``
    for a value that is not one."""
    trouve = _MESSAGE_ID.fullmatch(valeur.strip())
    return f"<{trouve['gauche']}@{trouve['droite']}>" if trouve else None


@dataclass
class Rebond:
    """One bounced mail: its Message-ID, and why it came back (in French)."""

    message_id: str
    motif: str


@dataclass
class DemandeRebonds:
    annee: int
    rebonds: list[Rebond]
    compte_id: int  # 0: the operator's command line
    horodatage: datetime | None = None  # set by the workflow (its clock)


# Who a bounced mail was sent to: an agent (their document goes on paper) or an employer (an incident: its address
# to correct, the employer to warn). The supervisors' own mails are not taken (``refus_courriel_des_superviseurs``).
DestinataireRebond = StrEnum("DestinataireRebond", "agent employeur")


@dataclass
class RebondTraite:
    """One bounce taken. An agent's mail: the document it announced, how it reaches the agent now; an employer's:
    the employer. Every field after ``deja_signale`` has a default, an agent's by default: a result without the
    employer's fields (as the recorded histories hold) reads as an agent's, and replays."""

    message_id: str
    deja_signale: bool  # reported before (or refused during the exchange): nothing done again
    destinataire: DestinataireRebond = DestinataireRebond.agent
    document_id: int | None = None
    livraison: Livraison | None = None
    tranche: int | None = None  # on paper: the tranche (from 1) whose print batch holds the document
    employeur_id: int | None = None


@dataclass
class ResultatRebonds:
    rebonds: list[RebondTraite]


def destinataire_du_mail(workflow_id: str, cle: str) -> DestinataireRebond | None:
    """Who a mail of campaign ``workflow_id`` was sent to, from its outbox key; ``None`` for the supervisors' own mail
    or another campaign's."""
    if mail_d_agent(workflow_id, cle) is not None:
        return DestinataireRebond.agent
    if mail_d_employeur(workflow_id, cle) is not None:
        return DestinataireRebond.employeur
    return None


def refus_courriel_des_superviseurs(message_id: str) -> str:
    """Why a bounce of the supervisors' own mail (the late employers' list) is not taken, and what to do."""
    return (
        f"rebonds : le courriel {message_id} était adressé aux superviseurs de la CNRACL (la liste des employeurs en "
        "retard), ni à un agent ni à un employeur : il n'y a ni document à envoyer par courrier ni employeur à "
        "prévenir. Vérifiez l'adresse de la boîte des superviseurs (réglage CNRACL_MAIL_SUPERVISEURS) ; la liste "
        "reste consultable sur la page « Tâches en retard par employeur »."
    )


# What an employer missed when a campaign mail of this template came back (``mail.evenement``).
_MANQUES = {
    "campagne_lancement_employeur": "l'annonce de la campagne et la liste de ses agents à mettre à jour (ses tâches "
    "sont dans sa corbeille)",
    "campagne_rappel_employeur": "le rappel des agents qu'il lui reste à mettre à jour (ses tâches sont dans sa "
    "corbeille)",
    "campagne_relance_apres_limite": "la relance après la date limite (ses agents restés sans réponse, à compléter "
    "avant leur transmission)",
}
MOTIF_INCIDENT_MAX = 500  # campagne_incident.motif


def motif_incident_rebond_employeur(raison_sociale: str, evenement: str, motif: str) -> str:
    """The supervisors' incident for an employer's campaign mail that came back: who, why, what it missed and what to
    do; the bounce's reason shortened if the whole would not fit the incident."""
    manque = _MANQUES.get(evenement, "un courriel de la campagne")

    def texte(raison: str) -> str:
        return (
            f"Le courriel envoyé à l'employeur {raison_sociale} est revenu après son envoi : « {raison} ». Il n'a pas "
            f"reçu {manque}. Corrigez son adresse électronique et prévenez-le."
        )

    raison = motif.strip().rstrip(".")
    exces = len(texte(raison)) - MOTIF_INCIDENT_MAX
    if exces > 0:
        raison = raison[: max(len(raison) - exces - 1, 0)].rstrip() + "…"
    return texte(raison)[:MOTIF_INCIDENT_MAX]


def id_workflow_rebonds(annee: int, message_ids: list[str]) -> str:
    """The same bounces reported twice at once are one process; reported again later, a new one that finds them
    done."""
    empreinte = hashlib.sha256("\n".join(sorted(set(message_ids))).encode()).hexdigest()[:16]
    return f"{id_workflow_campagne(annee)}-rebonds-{empreinte}"


# --- reading a delivery status notification (RFC 3464) ---

# The status's subject and detail (RFC 3463) in words: « X.1.1 » the address does not exist…
_STATUTS = {
    "1.1": "adresse électronique inconnue du serveur du destinataire",
    "2.2": "boîte aux lettres du destinataire pleine",
}
_SUJETS = {
    "1": "adresse électronique du destinataire invalide",
    "2": "boîte aux lettres du destinataire indisponible",
    "3": "système de messagerie du destinataire indisponible",
    "4": "acheminement impossible jusqu'au destinataire",
    "5": "échange refusé par le serveur du destinataire",
    "6": "contenu refusé par le serveur du destinataire",
    "7": "courriel refusé par le serveur du destinataire (sécurité ou filtrage)",
}
_STATUT = re.compile(r"[245]\.(\d{1,3})\.(\d{1,3})")


@dataclass
class AvisLu:
    """One failed recipient of a notification: the Message-ID of the mail that came back (when the notification
    carries it), the recipient's address, and why."""

    message_id: str | None
    destinataire: str | None
    motif: str


def motif_du_statut(statut: str | None) -> str:
    """Why a mail came back, in French, from its status code (« 5.1.1 »)."""
    trouve = _STATUT.search(statut or "")
    if trouve is None:
        return "Avis de non-remise du serveur de messagerie."
    sujet, detail = trouve.groups()
    raison = _STATUTS.get(f"{sujet}.{detail}") or _SUJETS.get(sujet, "courriel non remis")
    return f"Avis de non-remise du serveur de messagerie : {raison} (statut {trouve.group(0)})."


def lire_avis(brut: bytes | str, nom: str = "l'avis") -> list[AvisLu]:
    """The failed recipients of a raw delivery status notification (``multipart/report;
    report-type=delivery-status``): the Message-ID from the returned mail's headers (or an ``Original-Message-ID``
    field), the recipient from ``Final-Recipient``, the reason from ``Status``. ``Refus`` naming ``nom`` when it is
    not one, or reports no failure."""
    try:
        message = (
            email.message_from_bytes(brut, policy=email.policy.default)
            if isinstance(brut, bytes)
            else email.message_from_string(brut, policy=email.policy.default)
        )
        lus = _destinataires_en_echec(message)
    except (ValueError, TypeError, IndexError, LookupError, AttributeError, email.errors.MessageError):
        # the standard library's parser on a message it cannot make sense of
        raise _illisible(nom) from None
    if lus is None:
        raise _illisible(nom)
    if not lus:
        raise Refus(
            f"avis_de_non_remise : {nom} ne signale aucun échec de remise (aucun destinataire « Action: failed ») : "
            "rien à traiter (un avis de retard n'est pas un rebond).",
            "avis_de_non_remise",
            "sans_echec",
        )
    if any(lu.message_id is None and lu.destinataire is None for lu in lus):
        raise Refus(
            f"avis_de_non_remise : {nom} ne dit ni quel courriel est revenu (Message-ID) ni à quelle adresse : "
            "indiquez le Message-ID du courriel.",
            "avis_de_non_remise",
            "sans_courriel",
        )
    return lus


def _destinataires_en_echec(message: Message) -> list[AvisLu] | None:
    """The failed recipients of a notification; ``None`` for a message that is not one."""
    if message.get_content_type() != "multipart/report" or message.get_param("report-type") != "delivery-status":
        return None
    etat: Message | None = None
    original: str | None = None
    for partie in message.walk():
        type_ = partie.get_content_type()
        if type_ == "message/delivery-status" and etat is None:
            etat = partie
        elif type_ == "message/rfc822" and original is None:
            charge = partie.get_payload()
            if isinstance(charge, list) and charge and isinstance(charge[0], Message):
                original = charge[0].get("Message-ID")
        elif type_ == "text/rfc822-headers" and original is None:
            entetes = partie.get_payload(decode=True)
            texte = entetes.decode("utf-8", "replace") if isinstance(entetes, bytes) else str(partie.get_payload())
            original = HeaderParser().parsestr(texte).get("Message-ID")
    charge_etat = etat.get_payload() if etat is not None else None
    champs = [bloc for bloc in charge_etat if isinstance(bloc, Message)] if isinstance(charge_etat, list) else []
    if not champs:
        return None
    par_message, destinataires = champs[0], champs[1:]
    original = original or _champ([message, par_message])
    lus = []
    for bloc in destinataires:
        if str(bloc.get("Action", "")).strip().lower() != "failed":
            continue
        adresse = str(bloc.get("Final-Recipient") or bloc.get("Original-Recipient") or "").split(";")[-1].strip()
        message_id = _champ([bloc]) or original
        lus.append(
            AvisLu(
                normaliser_message_id(str(message_id)) if message_id else None,
                adresse.strip("<>") or None,
                motif_du_statut(str(bloc.get("Status") or "")),
            )
        )
    return lus


def _champ(messages: list[Message]) -> str | None:
    """The Message-ID of the mail that came back, as some providers name it in the notification's fields."""
    for message in messages:
        for nom in ("Original-Message-ID", "X-Original-Message-ID"):
            if valeur := message.get(nom):
                return str(valeur)
    return None


def _illisible(nom: str) -> Refus:
    return Refus(
        f"avis_de_non_remise : {nom} n'est pas un avis de non-remise (RFC 3464 : un message « multipart/report ; "
        "report-type=delivery-status » avec sa partie « message/delivery-status ») ; transmettez-le tel que le "
        "serveur de messagerie l'a renvoyé, ou indiquez le Message-ID du courriel revenu.",
        "avis_de_non_remise",
        "format",
    )
