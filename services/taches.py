"""The human-task inbox: an employer sees and answers its own tasks, and shares them among its accounts; a
supervisor sees all. A task of a process is answered by the process (an update); a campaign task is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import id_workflow_campagne
from domain.campagne_echeances import annee_de_la_campagne
from domain.cir import LigneCir
from domain.erreurs import Conflit, Interdit, Introuvable, Refus
from domain.etats import EtatTache, ProfilEmployeur, Role, TypeTache
from domain.rectification import chevauche, refus_correction_hors_periode, refus_resultat
from domain.saisie import Saisie
from domain.taches import ReponseTache, ResultatRectification
from domain.texte import TexteLibreMultiligne
from persistence import depots, depots_campagne, lectures
from persistence.models import Affilie, Compte, Tache
from services import campagne_echeances, cir, incidents
from services.acces import nom_du_compte, numero
from services.moteur import Moteur, mettre_a_jour_et_relire
from workflows.eir import EirWorkflow
from workflows.rectification import RectificationWorkflow
from workflows.validation import EcheanceValidationWorkflow

NUMERO_MAX = 2**31 - 1

# Which workflow update answers which kind of task (typed references, never strings).
_UPDATE_DE_COMPLETION: dict[str, Any] = {
    TypeTache.verification_carriere_eir: EirWorkflow.completer_tache,
    TypeTache.consolidation_eir: EirWorkflow.completer_tache,
    TypeTache.correction_cir_rectification: RectificationWorkflow.completer_tache,
    TypeTache.obtention_donnees_rectification: RectificationWorkflow.completer_tache,
    TypeTache.transmission_donnees_rectification: RectificationWorkflow.completer_tache,
    TypeTache.certificats_services_validation: EcheanceValidationWorkflow.completer_tache,
}
_ETAT_FR = {
    EtatTache.ouverte.value: "ouverte",
    EtatTache.terminee.value: "terminée",
    EtatTache.annulee.value: "annulée",
    EtatTache.close_date_limite.value: "close à la date limite",
}
_METTRE_A_JOUR_LE_CIR = (
    "mettez à jour le compte individuel retraite de l'agent (carrière, famille, indice) avant de terminer la tâche."
)


# The tasks of a rectification: each is about the period the agent disputes.
_TACHES_DE_RECTIFICATION = frozenset(
    {
        TypeTache.correction_cir_rectification.value,
        TypeTache.obtention_donnees_rectification.value,
        TypeTache.transmission_donnees_rectification.value,
    }
)
# The tasks whose answer closes a rectification: « corrigée » or « aucune erreur constatée ».
_CORRECTIONS_DE_RECTIFICATION = frozenset(
    {TypeTache.correction_cir_rectification.value, TypeTache.obtention_donnees_rectification.value}
)
Perimetre = Literal["carriere", "periode_contestee"]


class PeriodeContestee(BaseModel):
    debut: date = Field(description="Premier jour de la période contestée par l'agent")
    fin: date = Field(description="Dernier jour de la période contestée par l'agent")


class TachePublique(BaseModel):
    id: int
    type: str
    etat: str
    workflow_id: str
    demande_id: int | None
    employeur_id: int | None
    echeance: datetime | None
    en_retard: bool
    creee_le: datetime | None
    terminee_le: datetime | None
    relancee_le: datetime | None
    escaladee_le: datetime | None
    attribuee_a: int | None = Field(default=None, description="Compte qui a pris la tâche en charge (null : personne)")
    attribuee_le: datetime | None = None
    agent: dict[str, Any] | None = None
    details: dict[str, Any]
    reponse: dict[str, Any] | None
    periode_contestee: PeriodeContestee | None = Field(
        default=None, description="Rectification : la période que l'agent conteste"
    )
    perimetre: Perimetre | None = Field(
        default=None,
        description="Ce que la tâche montre de l'agent : toute sa carrière (carriere), ou, pour un employeur qui "
        "n'est plus le sien, la seule période contestée, sans NIR (periode_contestee) ; vide dans la corbeille",
    )


LISTE_PUBLIQUE = TypeAdapter(list[TachePublique])


class Completion(Saisie):
    carriere_verifiee: bool = Field(description="Vous avez vérifié la carrière CNRACL de l'agent")
    indice_fin_de_carriere: int | None = Field(
        default=None, ge=100, le=1500, description="Indice majoré de fin de carrière retenu"
    )
    corrections: list[LigneCir] = Field(default_factory=list, description="Lignes du CIR, une année civile par ligne")
    commentaire: TexteLibreMultiligne = Field(default="", max_length=2000)
    resultat: ResultatRectification = Field(
        default="corrigee",
        description="Rectification : période corrigée (corrigee) ou aucune erreur constatée (aucune_erreur)",
    )
    motif: TexteLibreMultiligne = Field(
        default="", max_length=2000, description="Rectification sans erreur constatée : pourquoi (envoyé à l'agent)"
    )

    @model_validator(mode="after")
    def _une_ligne_par_periode(self) -> Completion:
        debuts = [ligne.date_debut for ligne in self.corrections]
        if len(debuts) != len(set(debuts)):
            raise ValueError(
                "corrections : deux lignes commencent le même jour ; une période ne se saisit qu'une fois."
            )
        return self


class Attribution(Saisie):
    compte_id: int | None = Field(
        ge=1,
        le=NUMERO_MAX,
        description="Le compte de l'établissement qui prend la tâche en charge ; null : plus personne ne la tient",
    )


class AttributionPublique(BaseModel):
    tache_id: int
    attribuee_a: int | None
    attribuee_a_nom: str | None
    attribuee_le: datetime | None
    terminee_par_nom: str | None = Field(default=None, description="Tâche terminée : qui y a répondu")


Filtre = Literal["toutes", "mes", "non_attribuees"]


# --- reading ---


async def tache_visible(session: AsyncSession, compte: Compte, tache_id: int) -> Tache:
    tache = await session.get(Tache, tache_id)
    if tache is None or (compte.role == Role.employeur.value and tache.employeur_id != compte.employeur_id):
        raise Introuvable(f"Aucune tâche n° {tache_id} dans votre corbeille.")
    return tache


def _en_retard(etat: str, echeance: datetime | None, maintenant: datetime) -> bool:
    return bool(etat == EtatTache.ouverte.value and echeance and echeance < maintenant)


@dataclass(frozen=True)
class _Portee:
    """What a task shows of its agent to this account: the disputed period (a rectification's task), and whether
    the account sees only that period."""

    periode: PeriodeContestee | None = None
    restreinte: bool = False


async def _portee(session: AsyncSession, compte: Compte, tache: Tache) -> _Portee:
    """An employer that is not the agent's current one (``Affilie.employeur_id``) sees, of a rectification's task,
    the disputed period only: the CIR lines overlapping it, and the agent's name and date of birth, by which it
    finds the agent in its own files, but not the NIR, a national identifier it does not need to correct a
    period (and the CIR pages refuse it anyway). The current employer sees the agent's whole career, as for
    any task; a supervisor sees everything."""
    if tache.type not in _TACHES_DE_RECTIFICATION:
        return _Portee()
    rectification = await lectures.rectification_du_processus(session, tache.workflow_id)
    if rectification is None:
        return _Portee()
    periode = PeriodeContestee(debut=rectification.periode_debut, fin=rectification.periode_fin)
    if compte.role != Role.employeur.value:
        return _Portee(periode)
    affilie = await session.get(Affilie, tache.affilie_id) if tache.affilie_id else None
    return _Portee(periode, restreinte=affilie is None or affilie.employeur_id != tache.employeur_id)


async def _agent(session: AsyncSession, affilie_id: int | None, portee: _Portee) -> dict[str, Any] | None:
    """The agent of a task with their CIR, for the employer who verifies it (see :func:`_portee`)."""
    affilie = await session.get(Affilie, affilie_id) if affilie_id else None
    if affilie is None:
        return None
    lignes = await depots.lignes_cir(session, numero(affilie))
    if portee.restreinte and portee.periode is not None:
        lignes = [ligne for ligne in lignes if chevauche(ligne, portee.periode.debut, portee.periode.fin)]
    return {
        "nom": affilie.nom,
        "prenom": affilie.prenom,
        **({} if portee.restreinte else {"nir": affilie.nir}),
        "date_de_naissance": affilie.date_de_naissance.isoformat(),
        "cir": [
            {
                "annee": ligne.annee,
                "date_debut": ligne.date_debut.isoformat(),
                "date_fin": ligne.date_fin.isoformat(),
                "quotite": ligne.quotite,
                "nature": ligne.nature,
                "indice_majore": ligne.indice_majore,
            }
            for ligne in lignes
        ],
    }


async def _publique(session: AsyncSession, compte: Compte, tache: Tache, avec_agent: bool = False) -> TachePublique:
    """The task as this account may see it; ``avec_agent``: with its agent and their CIR."""
    portee = await _portee(session, compte, tache)
    return TachePublique.model_validate(
        {
            **tache.model_dump(),
            "en_retard": _en_retard(tache.etat, tache.echeance, datetime.now(UTC)),
            "agent": await _agent(session, tache.affilie_id, portee) if avec_agent else None,
            "periode_contestee": portee.periode,
            "perimetre": "periode_contestee" if portee.restreinte else "carriere",
        }
    )


async def corbeille(
    session: AsyncSession,
    compte: Compte,
    etat: EtatTache | None = EtatTache.ouverte,
    type: TypeTache | None = None,
    employeur_id: int | None = None,
    limite: int = 100,
    decalage: int = 0,
    attribution: Filtre = "toutes",
) -> list[TachePublique]:
    """The inbox, due dates first (so overdue tasks first). An employer sees its own; a supervisor all, or one
    employer's (``employeur_id``)."""
    portee = compte.employeur_id if compte.role == Role.employeur.value else employeur_id
    lignes = await depots.lister_taches(
        session,
        portee,
        etat.value if etat else None,
        type.value if type else None,
        limite,
        decalage,
        attribuee_a=compte.id if attribution == "mes" else None,
        non_attribuees=attribution == "non_attribuees",
        en_lignes=True,
    )
    maintenant = datetime.now(UTC)
    for ligne in lignes:
        ligne["en_retard"] = _en_retard(ligne["etat"], ligne["echeance"], maintenant)
    # Rows validated in one pass by pydantic-core, not one model built in Python per task.
    return LISTE_PUBLIQUE.validate_python(lignes)


async def consulter(session: AsyncSession, compte: Compte, tache_id: int) -> TachePublique:
    """The task with its agent and the agent's CIR (the disputed period only, for a former employer)."""
    return await _publique(session, compte, await tache_visible(session, compte, tache_id), avec_agent=True)


@dataclass
class TacheDeLaCorbeille:
    """A line of the inbox page: the task, its agent, who holds it."""

    tache: TachePublique
    agent: Affilie | None
    titulaire: Compte | None


async def corbeille_detaillee(
    session: AsyncSession, compte: Compte, etat: EtatTache | None, type: TypeTache | None, filtre: Filtre
) -> list[TacheDeLaCorbeille]:
    """The inbox page's lines: overdue first, then the nearest due date, tasks without a due date last."""
    taches = await corbeille(session, compte, etat, type, None, 500, 0, filtre)
    loin = datetime.max.replace(tzinfo=UTC)
    taches.sort(key=lambda t: (not t.en_retard, t.echeance or loin, t.id))
    agents: dict[int, Affilie | None] = {}
    titulaires: dict[int, Compte | None] = {}
    lignes = []
    for tache in taches:
        ligne = await session.get(Tache, tache.id)
        affilie_id = ligne.affilie_id if ligne else None
        if affilie_id and affilie_id not in agents:
            agents[affilie_id] = await session.get(Affilie, affilie_id)
        if tache.attribuee_a and tache.attribuee_a not in titulaires:
            titulaires[tache.attribuee_a] = await session.get(Compte, tache.attribuee_a)
        lignes.append(
            TacheDeLaCorbeille(
                tache,
                agents.get(affilie_id) if affilie_id else None,
                titulaires.get(tache.attribuee_a) if tache.attribuee_a else None,
            )
        )
    return lignes


# --- answering ---


async def terminer_tache_de_campagne(
    session: AsyncSession,
    compte: Compte,
    tache: Tache,
    donnees_verifiees: bool,
    commentaire: str,
    champ: str = "donnees_verifiees",
) -> None:
    """A campaign task records the employer's answer, once the agent's CIR covers the campaign's reference year
    (the refusal names ``champ``, the answer's « I checked the data »); the campaign counts what is done."""
    if not donnees_verifiees:
        raise Refus(f"donnees_verifiees : {_METTRE_A_JOUR_LE_CIR}", "donnees_verifiees", "obligatoire")
    if tache.etat != EtatTache.ouverte.value:
        raise Conflit(
            f"La tâche n° {tache.id} n'attend plus de réponse : elle est {_ETAT_FR.get(tache.etat, tache.etat)}."
        )
    annee = annee_de_la_campagne(tache.workflow_id)
    if annee is not None:
        await campagne_echeances.verifier_couverture(session, tache, annee, champ)
    reponse = {"donnees_verifiees": True, "commentaire": commentaire}
    if not await depots_campagne.terminer_tache_campagne(session, numero(tache), compte.id, reponse, datetime.now(UTC)):
        raise Conflit(f"La tâche n° {tache.id} n'attend plus de réponse : elle est déjà terminée ou close.")
    await session.commit()


async def tache_de_campagne(session: AsyncSession, compte: Compte, annee: int, tache_id: int) -> Tache:
    """A task of campaign ``annee`` in this account's inbox."""
    tache = await session.get(Tache, tache_id)
    if (
        tache is None
        or tache.type != TypeTache.maj_cir_campagne.value
        or tache.workflow_id != id_workflow_campagne(annee)
        or (compte.role == Role.employeur.value and tache.employeur_id != compte.employeur_id)
    ):
        raise Introuvable(f"Aucune tâche n° {tache_id} de la campagne {annee} dans votre corbeille.")
    return tache


def _verifier_certificats(corps: Completion) -> None:
    """The certificates of a validation: the periods of services, each with its indice majoré (the contributions
    owed are computed from it)."""
    if not corps.corrections:
        raise Refus(
            "corrections : certifiez les périodes de services de non-titulaire accomplies chez vous, une ligne par "
            "année civile, avec l'indice majoré de chacune.",
            "corrections",
            "obligatoire",
        )
    for rang, ligne in enumerate(corps.corrections):
        if ligne.indice_majore is None:
            raise Refus(
                f"corrections.{rang}.indice_majore : indiquez l'indice majoré de la période du "
                f"{ligne.date_debut:%d/%m/%Y} au {ligne.date_fin:%d/%m/%Y} : les cotisations dues en dépendent.",
                f"corrections.{rang}.indice_majore",
                "obligatoire",
            )


def _verifier_completion(tache: Tache, corps: Completion) -> None:
    if tache.type == TypeTache.certificats_services_validation.value:
        _verifier_certificats(corps)
        return
    if tache.type != TypeTache.verification_carriere_eir.value:
        return
    if not corps.carriere_verifiee:
        raise Refus(
            "carriere_verifiee : vérifiez la carrière de l'agent (et corrigez-la si besoin) avant de valider la tâche.",
            "carriere_verifiee",
            "obligatoire",
        )
    if corps.indice_fin_de_carriere is None:
        raise Refus(
            "indice_fin_de_carriere : indiquez l'indice majoré de fin de carrière choisi avec l'agent.",
            "indice_fin_de_carriere",
            "obligatoire",
        )


def offre_resultat(tache: TachePublique) -> bool:
    """The task's answer says « corrigée » or « aucune erreur constatée » (a rectification's correcting task)."""
    return tache.type in _CORRECTIONS_DE_RECTIFICATION


def _verifier_resultat(tache: Tache, corps: Completion, periode: PeriodeContestee | None) -> None:
    """A rectification's correcting task answers « corrigée » or « aucune erreur » coherently
    (:func:`domain.rectification.refus_resultat`); any other task knows only « corrigée »."""
    if tache.type not in _CORRECTIONS_DE_RECTIFICATION or periode is None:
        if corps.resultat != "corrigee":
            raise Refus(
                "resultat : « aucune erreur constatée » ne répond qu'à une tâche de correction d'une demande de "
                "rectification ; pour cette tâche, complétez-la avec ses corrections.",
                "resultat",
                "tache_de_rectification",
            )
        return
    refus = refus_resultat(
        corps.resultat, corps.motif, corps.corrections, corps.carriere_verifiee, periode.debut, periode.fin
    )
    if refus is not None:
        raise refus


async def completer(
    session: AsyncSession, moteur: Moteur, compte: Compte, tache_id: int, corps: Completion
) -> TachePublique:
    """The employer's answer to its task: sent to the task's process, or recorded for a campaign task."""
    tache = await tache_visible(session, compte, tache_id)
    if tache.etat != EtatTache.ouverte.value:
        raise Conflit(
            f"La tâche n° {tache_id} est déjà {_ETAT_FR.get(tache.etat, tache.etat)} : plus de réponse attendue."
        )
    _verifier_completion(tache, corps)
    portee = await _portee(session, compte, tache)
    _verifier_resultat(tache, corps, portee.periode)
    if portee.restreinte and portee.periode is not None:
        refus = refus_correction_hors_periode(corps.corrections, portee.periode.debut, portee.periode.fin)
        if refus is not None:
            raise refus
    # The CIR's invariants (domain.cir), checked against the agent's current CIR before the process gets them.
    await cir.verifier_corrections(session, tache.affilie_id, corps.corrections)
    if tache.type == TypeTache.maj_cir_campagne.value:
        if not corps.carriere_verifiee:
            raise Refus(f"carriere_verifiee : {_METTRE_A_JOUR_LE_CIR}", "carriere_verifiee", "obligatoire")
        await cir.ecrire_corrections_de_campagne(
            session, compte, numero(tache), tache.affilie_id, tache.employeur_id, corps.corrections, corps.commentaire
        )
        await terminer_tache_de_campagne(session, compte, tache, True, corps.commentaire, "carriere_verifiee")
        if corps.corrections and tache.affilie_id is not None:
            # written and committed: the agent's processes stopped on a business incident resume
            await incidents.reprendre_apres_correction(
                session, moteur, compte, tache.affilie_id, f"corrections de la tâche de campagne n° {tache_id}"
            )
    else:
        update = _UPDATE_DE_COMPLETION.get(tache.type)
        if update is None:
            raise Conflit(f"Une tâche « {tache.type} » ne se complète pas par ce formulaire.")
        reponse = ReponseTache(
            tache_id=tache_id,
            compte_id=compte.id or 0,
            carriere_verifiee=corps.carriere_verifiee,
            indice_fin_de_carriere=corps.indice_fin_de_carriere,
            corrections=corps.corrections,
            commentaire=corps.commentaire,
            resultat=corps.resultat,
            motif=corps.motif,
        )
        relire = partial(_relue, session, compte, tache_id)
        return await mettre_a_jour_et_relire(session, moteur, tache, update, reponse, relire)
    session.expunge_all()
    return await _relue(session, compte, tache_id)


async def _relue(session: AsyncSession, compte: Compte, tache_id: int) -> TachePublique:
    return await _publique(session, compte, await tache_visible(session, compte, tache_id))


# --- attribution: who holds a task in its employer's inbox ---


async def _attribution(session: AsyncSession, tache: Tache) -> AttributionPublique:
    titulaire = await session.get(Compte, tache.attribuee_a) if tache.attribuee_a else None
    # Who answered: the account in a process task's stored answer, or a campaign task's answering account.
    repondant = (tache.reponse or {}).get("compte_id") or tache.assignee_compte_id
    terminee_par = (
        await session.get(Compte, repondant) if tache.etat == EtatTache.terminee.value and repondant else None
    )
    return AttributionPublique(
        tache_id=numero(tache),
        attribuee_a=tache.attribuee_a,
        attribuee_a_nom=nom_du_compte(titulaire),
        attribuee_le=tache.attribuee_le,
        terminee_par_nom=nom_du_compte(terminee_par),
    )


async def attribution(session: AsyncSession, compte: Compte, tache_id: int) -> AttributionPublique:
    """Who holds the task (``attribuee_a`` null: nobody, any user of the employer may take it)."""
    return await _attribution(session, await tache_visible(session, compte, tache_id))


def administre(compte: Compte) -> bool:
    """This account assigns its employer's tasks to others (the employer's administrator, a supervisor)."""
    return compte.role == Role.superviseur.value or compte.profil == ProfilEmployeur.admin.value


async def collegues(session: AsyncSession, compte: Compte, tache: TachePublique) -> list[Compte]:
    """The accounts a task may be assigned to, for whoever may assign it."""
    if not administre(compte) or not tache.employeur_id:
        return []
    return list(await depots.comptes_actifs_de_l_employeur(session, tache.employeur_id))


async def attribuer(session: AsyncSession, compte: Compte, tache_id: int, corps: Attribution) -> AttributionPublique:
    """Take the task (a user, for oneself, when nobody holds it), or assign it to an account of the same
    employer or take it back (the employer's administrator, a supervisor). Recorded in the history."""
    tache = await tache_visible(session, compte, tache_id)
    if tache.etat != EtatTache.ouverte.value:
        raise Conflit(
            f"La tâche n° {tache_id} est déjà {_ETAT_FR.get(tache.etat, tache.etat)} : elle ne s'attribue plus."
        )
    if tache.employeur_id is None:
        raise Conflit(
            f"La tâche n° {tache_id} est dans la file des superviseurs : elle ne s'attribue pas à un employeur."
        )
    cible = corps.compte_id
    if cible is not None and await depots.compte_de_l_employeur(session, tache.employeur_id, cible) is None:
        raise Introuvable(
            f"compte_id : aucun utilisateur actif n° {cible} dans l'établissement de cette tâche.", "compte_id"
        )
    if not administre(compte):
        if cible is not None and cible != compte.id:
            raise Interdit(
                "compte_id : vous pouvez prendre une tâche en charge pour vous-même ; seul l'administrateur de "
                "votre établissement l'attribue à un autre utilisateur.",
                "compte_id",
                "attribution_par_l_administrateur",
            )
        if tache.attribuee_a is not None and tache.attribuee_a != compte.id:
            titulaire = nom_du_compte(await session.get(Compte, tache.attribuee_a))
            raise Conflit(
                f"La tâche n° {tache_id} est déjà prise en charge par {titulaire} : demandez à l'administrateur "
                "de votre établissement de vous l'attribuer."
            )
    acteur = "superviseur" if compte.role == Role.superviseur.value else "employeur"
    try:
        await depots.attribuer_tache(session, tache, cible, datetime.now(UTC), acteur, compte.id)
    except depots.AttributionConcurrente as exc:
        await session.rollback()
        raise Conflit(
            f"La tâche n° {tache_id} vient de changer (prise en charge ou terminée par quelqu'un d'autre) : "
            "rechargez-la."
        ) from exc
    await session.commit()
    return await _attribution(session, tache)
