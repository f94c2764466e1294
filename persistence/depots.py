"""Repository functions: every read and write of the tables goes through here.

Writes that a retried activity may repeat are idempotent: rows carry a unique key (``cle``) and a
second write with the same key returns the row already stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as insert_postgresql
from sqlalchemy.dialects.sqlite import insert as insert_sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cir import CirDeLAgent, LigneCir, Periode, natures_sans_cotisation
from domain.etats import ETATS_EIR_OUVERTS, EtatEir, EtatMail, EtatTache
from domain.processus import EvenementTransition, ReferenceProcessus, Transition, TypeProcessus
from domain.taches import ReponseTache
from domain.texte import caractere_interdit
from domain.validation import DECISIONS_VALIDATION, EVENEMENT_DEMANDE_VALIDATION
from persistence.audit import a_chainer, chainer
from persistence.models import (
    Affilie,
    Compte,
    DemandeEirTable,
    Document,
    DossierValidationTable,
    DureeAutreRegime,
    Employeur,
    Enfant,
    Evenement,
    LigneCirTable,
    Mail,
    RectificationTable,
    ReponseEnqueteTable,
    Tache,
)

M = TypeVar("M", bound=SQLModel)


async def obtenir_ou_creer(session: AsyncSession, modele: type[M], cle: str, nouveau: M) -> tuple[M, bool]:
    """The row with this ``cle``, or ``nouveau`` inserted; ``True`` when it was created now.

    One statement when the key is new: ``INSERT … ON CONFLICT (cle) DO NOTHING RETURNING id`` (PostgreSQL and
    SQLite), a second to read the row already there. A concurrent insert of the same key waits for the other
    transaction, then finds its row: no savepoint, no error to catch."""
    insertion = (insert_postgresql if session.get_bind().dialect.name == "postgresql" else insert_sqlite)(modele)
    table = modele.__table__  # type: ignore[attr-defined]
    valeurs = {colonne.key: getattr(nouveau, colonne.key) for colonne in table.columns if not colonne.primary_key}
    identifiant = (
        await session.exec(
            insertion.values(**valeurs).on_conflict_do_nothing(index_elements=["cle"]).returning(table.c.id)
        )
    ).scalar()
    if identifiant is None:
        existant = (await session.exec(select(modele).where(modele.cle == cle))).one()  # type: ignore[attr-defined]
        return existant, False
    nouveau.id = identifiant
    make_transient_to_detached(nouveau)  # the row as just written: in the session, nothing left to insert
    session.add(nouveau)
    return nouveau, True


# --- history ---


async def ajouter_evenement(
    session: AsyncSession,
    processus_id: str,
    type: str,
    acteur: str,
    horodatage: datetime,
    compte_id: int | None = None,
    details: dict[str, Any] | None = None,
    une_fois: bool = False,
) -> Evenement:
    """Append an event to the chained history, when the transaction commits (``persistence.audit``).
    ``une_fois``: the event of a state change, which its activity may write again after its commit (the worker
    stopped before Temporal recorded it): the same process, type and workflow time (fixed within a workflow task,
    identical on replay) find the event already there, or already queued by this transaction."""
    if une_fois:
        cle = (processus_id, type, horodatage)
        deja = next((e for e in a_chainer(session) if (e.processus_id, e.type, e.horodatage) == cle), None)
        if deja is None:
            deja = (
                await session.exec(
                    select(Evenement)
                    .where(
                        Evenement.processus_id == processus_id,
                        Evenement.type == type,
                        Evenement.horodatage == horodatage,
                    )
                    .limit(1)
                )
            ).first()
        if deja is not None:
            return deja
    evenement = Evenement(
        processus_id=processus_id,
        type=type,
        acteur=acteur,
        compte_id=compte_id,
        horodatage=horodatage,
        details=details or {},
    )
    chainer(session, evenement)
    return evenement


async def ajouter_evenement_de(session: AsyncSession, transition: EvenementTransition) -> Evenement:
    """Append the history event of a new state (of a process or a campaign), once: its activity may run again
    after its commit (see ``ajouter_evenement``'s ``une_fois``)."""
    return await ajouter_evenement(
        session,
        transition.workflow_id,
        transition.evenement,
        transition.acteur.value,
        transition.horodatage,
        transition.compte_id,
        transition.details,
        une_fois=True,
    )


async def historique(session: AsyncSession, processus_id: str) -> Sequence[Any]:
    """The events of a process, oldest first, as rows (``type``, ``acteur``, ``compte_id``, ``horodatage``,
    ``details``): read on every state page, they are not loaded as ORM objects."""
    requete = (
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            Evenement.id, Evenement.type, Evenement.acteur, Evenement.compte_id, Evenement.horodatage, Evenement.details
        )
        .where(Evenement.processus_id == processus_id)
        .order_by(col(Evenement.id))
    )
    return (await session.exec(requete)).all()


async def en_dicts(session: AsyncSession, requete) -> list[dict[str, Any]]:
    """The rows of a select of columns as plain dicts, the column names read once for all of them: a row's
    ``_mapping`` built per row costs more than the query itself on a list of a hundred rows."""
    resultat = await session.exec(requete)
    cles = tuple(resultat.keys())
    return [dict(zip(cles, ligne, strict=False)) for ligne in resultat]


# --- people ---


async def affilie_par_nir(session: AsyncSession, nir: str) -> Affilie | None:
    return (await session.exec(select(Affilie).where(Affilie.nir == nir))).first()


async def employeur_par_siret(session: AsyncSession, siret: str) -> Employeur | None:
    return (await session.exec(select(Employeur).where(Employeur.siret == siret))).first()


async def compte_par_identifiant(session: AsyncSession, identifiant: str) -> Compte | None:
    if caractere_interdit(identifiant, multiligne=False):  # no identifier holds one (PostgreSQL refuses NUL)
        return None
    return (await session.exec(select(Compte).where(Compte.identifiant == identifiant))).first()


async def enfants(session: AsyncSession, affilie_id: int) -> Sequence[Enfant]:
    return (await session.exec(select(Enfant).where(Enfant.affilie_id == affilie_id))).all()


async def durees_autres_regimes(session: AsyncSession, affilie_id: int) -> Sequence[DureeAutreRegime]:
    requete = select(DureeAutreRegime).where(DureeAutreRegime.affilie_id == affilie_id)
    return (await session.exec(requete.order_by(DureeAutreRegime.regime, DureeAutreRegime.source))).all()


async def remplacer_durees_autres_regimes(
    session: AsyncSession, affilie_id: int, source: str, trimestres: dict[str, int], recue_le: datetime
) -> None:
    """The agent's durations from ``source`` become ``trimestres`` (by scheme): the others of that source go."""
    anciennes = await session.exec(
        select(DureeAutreRegime).where(DureeAutreRegime.affilie_id == affilie_id, DureeAutreRegime.source == source)
    )
    for ancienne in anciennes.all():
        await session.delete(ancienne)
    await session.flush()
    for regime, nombre in trimestres.items():
        session.add(
            DureeAutreRegime(affilie_id=affilie_id, regime=regime, trimestres=nombre, source=source, recue_le=recue_le)
        )
    await session.flush()


# --- CIR ---


async def lignes_cir(session: AsyncSession, affilie_id: int) -> Sequence[LigneCirTable]:
    requete = (
        select(LigneCirTable).where(LigneCirTable.affilie_id == affilie_id).order_by(col(LigneCirTable.date_debut))
    )
    return (await session.exec(requete)).all()


def centimes(montant: Decimal | None) -> int | None:
    return None if montant is None else int((montant * 100).to_integral_value())


def euros(centimes: int | None) -> Decimal | None:
    """A stored amount (cents) back in euros."""
    return None if centimes is None else (Decimal(centimes) / 100).quantize(Decimal("0.01"))


async def ecrire_ligne_cir(
    session: AsyncSession,
    affilie_id: int,
    ligne: LigneCir,
    employeur_id: int | None,
    horodatage: datetime,
    garder_cotisations: bool = True,
) -> LigneCirTable:
    """Create or replace the period starting on ``ligne.date_debut`` (one calendar year per line), its
    administrative and contribution data together, in the caller's transaction. Unchecked: the writers of the
    service go through ``ecrire_cir_controle`` (the CIR's invariants under the agent's lock), which calls it.

    Writing the same line twice leaves one line: a retried correction never duplicates the CIR. A line
    without contribution data keeps the stored ones when ``garder_cotisations`` (the administrative-only
    corrections of a task), unless its nature carries none; the CIR page and ``PUT`` replace both blocks.
    """
    existante = (
        await session.exec(
            select(LigneCirTable).where(
                LigneCirTable.affilie_id == affilie_id,
                LigneCirTable.annee == ligne.annee,
                LigneCirTable.date_debut == ligne.date_debut,
            )
        )
    ).first()
    if existante is None:
        existante = LigneCirTable(
            affilie_id=affilie_id, annee=ligne.annee, date_debut=ligne.date_debut, date_fin=ligne.date_fin
        )
    existante.date_fin = ligne.date_fin
    existante.quotite = ligne.quotite
    existante.nature = ligne.nature.value
    existante.categorie = ligne.categorie
    existante.indice_majore = ligne.indice_majore
    if (
        ligne.a_des_cotisations
        or not garder_cotisations
        or ligne.nature.value in natures_sans_cotisation(ligne.date_debut)
    ):
        existante.traitement_brut_centimes = centimes(ligne.traitement_brut)
        existante.nbi_centimes = centimes(ligne.nbi)
        existante.retenue_salariale_centimes = centimes(ligne.retenue_salariale)
        existante.contribution_employeur_centimes = centimes(ligne.contribution_employeur)
    existante.employeur_id = employeur_id
    existante.modifiee_le = horodatage
    session.add(existante)
    await session.flush()
    return existante


async def verrouiller_cir(session: AsyncSession, affilie_id: int) -> None:
    """Take the agent's CIR for the rest of the transaction: its writers run one after the other, so a check
    (bounds, overlap) and the write it allows see the same lines.

    PostgreSQL: the affiliate's row ``FOR UPDATE`` (another writer of the same agent waits for the commit, then
    reads the lines committed). SQLite: an ``UPDATE`` of that row as the transaction's first write takes the
    database's single write lock at once (a writer that read first could not upgrade its snapshot); reads done
    before it in the session ran outside any transaction (the driver opens one at the first write). Taking it
    twice in a transaction is harmless."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        requete = text("SELECT id FROM affilie WHERE id = :id FOR UPDATE")
    else:
        requete = text("UPDATE affilie SET id = id WHERE id = :id")
    await session.exec(requete.bindparams(id=affilie_id))  # type: ignore[call-overload]


def periodes(lignes: Sequence[LigneCirTable]) -> list[Periode]:
    return [Periode(ligne.date_debut, ligne.date_fin) for ligne in lignes]


def valeurs_periode(ligne: LigneCirTable) -> dict[str, Any]:
    """A stored line's period as plain values: its dates and its administrative block (a RIS's period)."""
    return {
        "date_debut": ligne.date_debut.isoformat(),
        "date_fin": ligne.date_fin.isoformat(),
        "quotite": ligne.quotite,
        "nature": ligne.nature,
        "categorie": ligne.categorie,
        "indice_majore": ligne.indice_majore,
    }


def valeurs_cir(ligne: LigneCirTable) -> dict[str, Any]:
    """A stored line as plain values (the before/after of a change in the history): its period, its employer and
    its contribution block."""
    return {
        **valeurs_periode(ligne),
        "employeur_id": ligne.employeur_id,
        "traitement_brut_centimes": ligne.traitement_brut_centimes,
        "nbi_centimes": ligne.nbi_centimes,
        "retenue_salariale_centimes": ligne.retenue_salariale_centimes,
        "contribution_employeur_centimes": ligne.contribution_employeur_centimes,
    }


@dataclass
class EcritureCir:
    """One line written: the stored lines it replaced (their values before) and the line after."""

    avant: list[dict[str, Any]]
    apres: LigneCirTable


async def ecrire_cir_controle(
    session: AsyncSession,
    affilie_id: int,
    lignes: Sequence[tuple[LigneCir, int | None]],
    horodatage: datetime,
    aujourd_hui: date,
    *,
    projetee: bool = False,
    garder_cotisations: bool = True,
    en_liste: bool = False,
) -> list[EcritureCir]:
    """Write ``lignes`` (each with its employer) into the agent's CIR in the caller's transaction, under the
    agent's lock, if together they keep its invariants (``domain.cir``: bounds, ``remplace``, no overlap);
    otherwise ``Refus`` naming each field and rule, and nothing written. ``en_liste``: the lines are a task's
    ``corrections`` (fields named ``corrections.N.champ``). The line a correction names in ``remplace`` is
    deleted in the same transaction."""
    await verrouiller_cir(session, affilie_id)
    affilie = await session.get(Affilie, affilie_id)
    if affilie is None:
        raise LookupError(f"affilié {affilie_id} inconnu")
    stockees = list(await lignes_cir(session, affilie_id))
    cir = CirDeLAgent(periodes(stockees), affilie.date_de_naissance, aujourd_hui, projetee)
    cir.controler([ligne for ligne, _ in lignes], en_liste)
    ecritures = []
    for ligne, employeur_id in lignes:
        avant = []
        if ligne.remplace is not None and ligne.remplace != ligne.date_debut:
            remplacee = await supprimer_ligne_cir(session, affilie_id, ligne.remplace)
            if remplacee is not None:
                avant.append(remplacee)
        meme = await ligne_cir(session, affilie_id, ligne.date_debut)
        if meme is not None:
            avant.append(valeurs_cir(meme))
        apres = await ecrire_ligne_cir(session, affilie_id, ligne, employeur_id, horodatage, garder_cotisations)
        ecritures.append(EcritureCir(avant, apres))
    return ecritures


async def ligne_cir(session: AsyncSession, affilie_id: int, date_debut: date) -> LigneCirTable | None:
    """The agent's line starting on ``date_debut`` (one line per start date)."""
    requete = select(LigneCirTable).where(
        LigneCirTable.affilie_id == affilie_id,
        LigneCirTable.annee == date_debut.year,
        LigneCirTable.date_debut == date_debut,
    )
    return (await session.exec(requete)).first()


async def supprimer_ligne_cir(session: AsyncSession, affilie_id: int, date_debut: date) -> dict[str, Any] | None:
    """Delete the agent's line starting on ``date_debut``, in the caller's transaction (which holds the agent's
    lock); its values before, or ``None`` when there is none."""
    ligne = await ligne_cir(session, affilie_id, date_debut)
    if ligne is None:
        return None
    valeurs = valeurs_cir(ligne)
    await session.delete(ligne)
    await session.flush()
    return valeurs


# --- EIR requests ---


async def demandes_eir_recentes(session: AsyncSession, affilie_id: int, depuis: date) -> Sequence[DemandeEirTable]:
    """Requests still open, or made on or after ``depuis`` and not withdrawn."""
    requete = select(DemandeEirTable).where(
        DemandeEirTable.affilie_id == affilie_id,
        (col(DemandeEirTable.etat).in_([e.value for e in ETATS_EIR_OUVERTS]))
        | ((DemandeEirTable.date_demande >= depuis) & (DemandeEirTable.etat != EtatEir.retiree.value)),
    )
    return (await session.exec(requete)).all()


async def prochain_numero_eir(session: AsyncSession, affilie_id: int) -> int:
    dernier = (
        await session.exec(select(func.max(DemandeEirTable.numero)).where(DemandeEirTable.affilie_id == affilie_id))
    ).one()
    return (dernier or 0) + 1


# --- process projections (EIR, rectification, validation) ---

Projection = DemandeEirTable | RectificationTable | DossierValidationTable
_TABLES_DE_PROJECTION: dict[TypeProcessus, type[Projection]] = {
    TypeProcessus.eir: DemandeEirTable,
    TypeProcessus.rectification: RectificationTable,
    TypeProcessus.validation: DossierValidationTable,
}


async def projection(session: AsyncSession, reference: ReferenceProcessus) -> Projection:
    """The projection row of a process; ``LookupError`` when there is none."""
    ligne = await session.get(_TABLES_DE_PROJECTION[reference.processus], reference.projection_id)
    if not isinstance(ligne, DemandeEirTable | RectificationTable | DossierValidationTable):
        raise LookupError(f"{reference.processus.value} {reference.projection_id} inconnu")
    return ligne


async def appliquer_transition(session: AsyncSession, transition: Transition) -> Projection:
    """Write the business state of a process (its projection row, with the state's sequence) and append its
    event, in one transaction."""
    ligne = await projection(session, transition.reference)
    etat = transition.projection
    ligne.etat = etat.etat
    ligne.en_attente_de = etat.en_attente_de.value if etat.en_attente_de else None
    ligne.sequence = transition.sequence
    ligne.modifiee_le = transition.horodatage
    ligne.incident = etat.incident
    if etat.termine:
        ligne.terminee_le = transition.horodatage
    if isinstance(ligne, DemandeEirTable):
        ligne.etape = etat.etape or ligne.etape
        ligne.phase = etat.phase
        ligne.echeance = etat.echeance
        ligne.tache_id = etat.tache_id
        if transition.details.get("indice_fin_de_carriere") is not None:
            ligne.indice_fin_de_carriere = transition.details["indice_fin_de_carriere"]
    elif isinstance(ligne, RectificationTable):
        ligne.echeance = etat.echeance
        if "document_id" in transition.details:
            ligne.document_rectifie_id = transition.details["document_id"]
    else:
        if transition.evenement == EVENEMENT_DEMANDE_VALIDATION:
            # a request recorded by a supervisor carries the date it was really made, and its proof
            date_demande = transition.details.get("date_demande")
            ligne.demande_le = date.fromisoformat(date_demande) if date_demande else transition.horodatage.date()
            ligne.preuve_demande = transition.details.get("preuve") or None
        if etat.etat in DECISIONS_VALIDATION:
            ligne.decision = etat.etat
    session.add(ligne)
    await ajouter_evenement_de(session, transition)
    await session.flush()
    return ligne


# --- tasks ---


async def creer_tache(session: AsyncSession, tache: Tache) -> tuple[Tache, bool]:
    return await obtenir_ou_creer(session, Tache, tache.cle, tache)


async def taches_ouvertes_du_processus(session: AsyncSession, workflow_id: str) -> Sequence[Tache]:
    requete = select(Tache).where(Tache.workflow_id == workflow_id, Tache.etat == EtatTache.ouverte.value)
    return (await session.exec(requete)).all()


async def lister_taches(
    session: AsyncSession,
    employeur_id: int | None = None,
    etat: str | None = None,
    type: str | None = None,
    limite: int = 100,
    decalage: int = 0,
    attribuee_a: int | None = None,
    non_attribuees: bool = False,
    en_lignes: bool = False,
) -> Sequence[Any]:
    """The inbox, due dates first (overdue first); ``attribuee_a``: the tasks one user holds;
    ``non_attribuees``: those nobody holds. ``en_lignes``: dicts of the task's columns instead of ``Tache``
    objects, for the inbox route, the most read of the service (they cost a fraction of ORM objects)."""
    requete = _filtre_taches(
        select(*Tache.metadata.tables["tache"].columns) if en_lignes else select(Tache),
        employeur_id,
        etat,
        type,
        limite,
        decalage,
        attribuee_a,
        non_attribuees,
    )
    return await en_dicts(session, requete) if en_lignes else (await session.exec(requete)).all()


def _filtre_taches(requete, employeur_id, etat, type, limite, decalage, attribuee_a, non_attribuees):
    if employeur_id is not None:
        requete = requete.where(Tache.employeur_id == employeur_id)
    if attribuee_a is not None:
        requete = requete.where(Tache.attribuee_a == attribuee_a)
    if non_attribuees:
        requete = requete.where(col(Tache.attribuee_a).is_(None))
    if etat:
        requete = requete.where(Tache.etat == etat)
    if type:
        requete = requete.where(Tache.type == type)
    return requete.order_by(col(Tache.echeance), col(Tache.id)).offset(decalage).limit(limite)


# --- documents, mails, survey ---


async def enregistrer_document(session: AsyncSession, document: Document) -> tuple[Document, bool]:
    return await obtenir_ou_creer(session, Document, document.cle, document)


async def documents_de_la_demande(
    session: AsyncSession, demande_id: int, type: str | None = None
) -> Sequence[Document]:
    requete = select(Document).where(Document.demande_id == demande_id)
    if type:
        requete = requete.where(Document.type == type)
    return (await session.exec(requete.order_by(col(Document.id)))).all()


class Rendu(Protocol):
    """A rendered mail (``notifications.rendu.MessageRendu``), as the outbox stores it."""

    @property
    def sujet(self) -> str: ...

    @property
    def texte(self) -> str: ...

    @property
    def html(self) -> str: ...


async def reserver_mail(
    session: AsyncSession,
    cle: str,
    evenement: str,
    destinataire: str,
    rendu: Rendu,
    expediteur: str,
    horodatage: datetime,
    processus_id: str | None = None,
) -> Mail:
    """The outbox row of ``cle``: written now, to send, or the one already there (the same key is the same mail).
    Its Message-ID derives from the key, on the sender's domain, so that a resent mail keeps it."""
    domaine = expediteur.rsplit("@", 1)[-1].rstrip(">")
    mail = Mail(
        cle=cle,
        evenement=evenement,
        processus_id=processus_id,
        destinataire=destinataire,
        sujet=rendu.sujet,
        corps_texte=rendu.texte,
        corps_html=rendu.html,
        message_id=f"<{hashlib.sha256(cle.encode()).hexdigest()[:32]}@{domaine}>",
        etat=EtatMail.a_envoyer.value,
        cree_le=horodatage,
    )
    reserve, _ = await obtenir_ou_creer(session, Mail, cle, mail)
    return reserve


async def enregistrer_enquete(session: AsyncSession, reponse: ReponseEnqueteTable) -> ReponseEnqueteTable:
    existante = (
        await session.exec(select(ReponseEnqueteTable).where(ReponseEnqueteTable.demande_id == reponse.demande_id))
    ).first()
    if existante is not None:
        return existante
    session.add(reponse)
    await session.flush()
    return reponse


async def creer_demande_eir(
    session: AsyncSession, affilie: Affilie, date_demande: date, canal: str, horodatage: datetime, workflow_id_de
) -> DemandeEirTable:
    """Store a new EIR request (rank n+1 for this affiliate); ``workflow_id_de(cle, n)`` names it."""
    numero = await prochain_numero_eir(session, affilie.id)  # type: ignore[arg-type]
    demande = DemandeEirTable(
        workflow_id=workflow_id_de(affilie.cle, numero),
        affilie_id=affilie.id,  # type: ignore[arg-type]
        employeur_id=affilie.employeur_id,
        numero=numero,
        date_demande=date_demande,
        canal=canal,
        etape="enregistrement",
        etat="enregistree",
        en_attente_de="cnracl",
        creee_le=horodatage,
        modifiee_le=horodatage,
    )
    session.add(demande)
    await session.flush()
    await ajouter_evenement(
        session,
        demande.workflow_id,
        "demande_enregistree",
        "affilie" if canal == "en_ligne" else "superviseur",
        horodatage,
        details={"canal": canal, "date_demande": date_demande.isoformat()},
    )
    return demande


async def marquer_tache(
    session: AsyncSession,
    tache_id: int,
    horodatage: datetime,
    etat: str | None = None,
    relancee: bool = False,
    escaladee: bool = False,
) -> Tache | None:
    """Note a reminder or an escalation, or close an open task (cancelled…); repeating it changes nothing."""
    tache = await session.get(Tache, tache_id)
    if tache is None:
        return None
    if relancee and tache.relancee_le is None:
        tache.relancee_le = horodatage
    if escaladee and tache.escaladee_le is None:
        tache.escaladee_le = horodatage
    if etat is not None and tache.etat == EtatTache.ouverte.value:
        tache.etat = etat
        tache.terminee_le = horodatage
    session.add(tache)
    return tache


async def terminer_tache(
    session: AsyncSession,
    tache: Tache,
    reponse: ReponseTache,
    horodatage: datetime,
    ecrire_cir: bool = True,
) -> bool:
    """Store an answer: the CIR corrections of the task's agent (unless ``ecrire_cir`` is false: they stay in the
    answer), the task closed, the event in its process's history. ``False`` if already stored."""
    if tache.etat != EtatTache.ouverte.value:
        return False
    if tache.affilie_id is None:
        raise LookupError(f"tâche {tache.id} sans affilié : aucune correction possible")
    await ecrire_corrections_cir(
        session,
        tache.affilie_id,
        tache.employeur_id,
        reponse.corrections if ecrire_cir else [],
        horodatage,
        "superviseur" if tache.destinataire == "superviseur" else "employeur",
        reponse.compte_id or None,
        {"tache_id": tache.id, "processus": tache.workflow_id, "motif": reponse.commentaire or None},
    )
    tache.etat = EtatTache.terminee.value
    tache.terminee_le = horodatage
    tache.reponse = reponse.model_dump(mode="json", exclude={"sequence"})
    session.add(tache)
    await ajouter_evenement(
        session,
        tache.workflow_id,
        "tache_terminee",
        "superviseur" if tache.destinataire == "superviseur" else "employeur",
        horodatage,
        compte_id=reponse.compte_id or None,
        details={"tache_id": tache.id, "type": tache.type, "corrections": len(reponse.corrections)},
    )
    return True


async def ecrire_corrections_cir(
    session: AsyncSession,
    affilie_id: int,
    employeur_id: int | None,
    corrections: Sequence[LigneCir],
    horodatage: datetime,
    acteur: str,
    compte_id: int | None,
    contexte: dict[str, Any],
) -> list[EcritureCir]:
    """A task's corrections written into the agent's CIR, checked together under the agent's lock
    (``ecrire_cir_controle``), each change in the CIR's history (``cir-{cle}``) with who and why. A line names
    its employer by ``siret_employeur`` (unknown SIRET: no employer), the task's employer otherwise. Writing the
    same corrections again (a retried activity) leaves the same lines."""
    if not corrections:
        return []
    lignes = []
    for ligne in corrections:
        employeur_ligne = employeur_id
        if ligne.siret_employeur:
            autre = await employeur_par_siret(session, ligne.siret_employeur)
            employeur_ligne = autre.id if autre else None
        lignes.append((ligne, employeur_ligne))
    ecritures = await ecrire_cir_controle(session, affilie_id, lignes, horodatage, horodatage.date(), en_liste=True)
    affilie = await session.get(Affilie, affilie_id)
    for (ligne, _), ecriture in zip(lignes, ecritures, strict=True):
        await ajouter_evenement(
            session,
            f"cir-{affilie.cle}",  # type: ignore[union-attr]
            "ligne_cir_remplacee" if ligne.remplace not in (None, ligne.date_debut) else "ligne_cir_ecrite",
            acteur,
            horodatage,
            compte_id,
            {
                "annee": ligne.annee,
                "date_debut": ligne.date_debut.isoformat(),
                **contexte,
                "avant": ecriture.avant,
                "apres": valeurs_cir(ecriture.apres),
            },
        )
    return ecritures


# --- task attribution (who holds a task in its employer's inbox) ---


async def compte_de_l_employeur(session: AsyncSession, employeur_id: int, compte_id: int) -> Compte | None:
    """An active account of this employer (its administrator or one of its users), or ``None``."""
    compte = await session.get(Compte, compte_id)
    if compte is None or compte.role != "employeur" or compte.employeur_id != employeur_id or not compte.actif:
        return None
    return compte


async def comptes_actifs_de_l_employeur(session: AsyncSession, employeur_id: int) -> Sequence[Compte]:
    requete = (
        select(Compte)
        .where(Compte.employeur_id == employeur_id, Compte.role == "employeur", col(Compte.actif).is_(True))
        .order_by(col(Compte.nom), col(Compte.prenom), col(Compte.identifiant))
    )
    return (await session.exec(requete)).all()


class AttributionConcurrente(Exception):
    """The task changed hands (or closed) since it was read: nothing written."""


async def attribuer_tache(
    session: AsyncSession,
    tache: Tache,
    compte_id: int | None,
    horodatage: datetime,
    acteur: str,
    par_compte_id: int | None,
) -> bool:
    """Give the open task to ``compte_id`` (``None``: nobody holds it any more) and append the event to the
    task's process history. ``False`` when it already stood so (nothing written). The row is changed only if
    it still has the holder read with it, so two people taking the same task at once cannot both get it
    (``AttributionConcurrente``)."""
    if tache.attribuee_a == compte_id:
        return False
    from sqlalchemy import update
    from sqlalchemy.ext.asyncio import AsyncSession as SAAsyncSession

    precedent = tache.attribuee_a
    tenue = col(Tache.attribuee_a).is_(None) if precedent is None else col(Tache.attribuee_a) == precedent
    resultat = await SAAsyncSession.execute(
        session,
        update(Tache)
        .where(col(Tache.id) == tache.id, tenue, col(Tache.etat) == EtatTache.ouverte.value)
        .values(attribuee_a=compte_id, attribuee_le=horodatage if compte_id is not None else None),
    )
    if resultat.rowcount != 1:  # type: ignore[attr-defined]
        raise AttributionConcurrente(f"tâche {tache.id}")
    await session.refresh(tache)
    if compte_id is None:
        type_ = "tache_liberee"
    elif compte_id == par_compte_id:
        type_ = "tache_prise_en_charge"
    else:
        type_ = "tache_attribuee"
    await ajouter_evenement(
        session,
        tache.workflow_id,
        type_,
        acteur,
        horodatage,
        par_compte_id,
        {"tache_id": tache.id, "type": tache.type, "attribuee_a": compte_id, "precedent": precedent},
    )
    return True


# --- campaign lists for the pages (the campaign's own repository is persistence.depots_campagne) ---


async def campagnes(session: AsyncSession, limite: int = 50) -> Sequence[Any]:
    """Every campaign and dry run, the latest year first."""
    from persistence.models_campagne import CampagneTable

    requete = (
        select(CampagneTable).order_by(col(CampagneTable.annee).desc(), col(CampagneTable.simulation)).limit(limite)
    )
    return (await session.exec(requete)).all()


async def campagnes_de_l_employeur(session: AsyncSession, employeur_id: int) -> Sequence[Any]:
    """The campaigns (not the dry runs) that target at least one agent of this employer, the latest first."""
    from persistence.models_campagne import AgentEmployeurCampagne, CampagneTable, CibleCampagne

    cibles = select(CibleCampagne.campagne_id).where(CibleCampagne.employeur_id == employeur_id).distinct()
    # An employer of the agent in the reference year is asked too, even if no longer the agent's.
    demandes = select(AgentEmployeurCampagne.campagne_id).where(AgentEmployeurCampagne.employeur_id == employeur_id)
    requete = (
        select(CampagneTable)
        .where(
            col(CampagneTable.simulation).is_(False),
            col(CampagneTable.id).in_(cibles) | col(CampagneTable.id).in_(demandes),
        )
        .order_by(col(CampagneTable.annee).desc())
    )
    return (await session.exec(requete)).all()


async def agents_de_l_employeur_en_campagne(
    session: AsyncSession, campagne_id: int, workflow_id: str, type_tache: str, employeur_id: int, limite: int = 1000
) -> list[dict[str, Any]]:
    """The employer's agents targeted by one campaign: cohort, age, document state, and their CIR task (if
    their account needed an update) with its state; the tasks still open first."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession as SAAsyncSession

    lignes = (
        await SAAsyncSession.execute(
            session,
            text("""
        SELECT a.nir, a.nom, a.prenom, c.cohorte, c.age, c.a_mettre_a_jour, c.etat, c.document_id,
               t.id AS tache_id, t.etat AS tache_etat, t.echeance AS tache_echeance
        FROM campagne_cible c JOIN affilie a ON a.id = c.affilie_id
        LEFT JOIN tache t ON t.workflow_id = :wf AND t.type = :type AND t.affilie_id = c.affilie_id
                         AND t.employeur_id = :e
        WHERE c.campagne_id = :c AND (c.employeur_id = :e OR (c.a_mettre_a_jour AND EXISTS (
            SELECT 1 FROM campagne_agent_employeur x
            WHERE x.campagne_id = c.campagne_id AND x.affilie_id = c.affilie_id AND x.employeur_id = :e)))
        ORDER BY CASE WHEN t.etat = :ouverte THEN 0 ELSE 1 END, a.nom, a.prenom, c.cohorte
        LIMIT :limite"""),
            {
                "c": campagne_id,
                "wf": workflow_id,
                "type": type_tache,
                "e": employeur_id,
                "ouverte": EtatTache.ouverte.value,
                "limite": limite,
            },
        )
    ).all()
    return [dict(ligne._mapping) for ligne in lignes]


async def changer_email_employeur(session: AsyncSession, employeur_id: int, email: str) -> bool:
    """The employer's contact address set to ``email`` unless it already is that mailbox (spaces and letter case
    aside, as ``domain.adresse.meme_adresse_electronique`` compares); whether this call changed it. The one statement
    that decides: of two identical corrections at once, one changes the row and the other finds it done."""
    from sqlalchemy import update
    from sqlalchemy.ext.asyncio import AsyncSession as SAAsyncSession

    resultat = await SAAsyncSession.execute(
        session,
        update(Employeur)
        .where(col(Employeur.id) == employeur_id, func.lower(func.trim(Employeur.email)) != email.strip().lower())
        .values(email=email),
    )
    return bool(resultat.rowcount == 1)  # type: ignore[attr-defined]
