"""Repository functions of the DAI campaign: bulk SQL (INSERT … SELECT, executemany), never row by row.

Every write is idempotent: targets, employers, tasks and documents carry unique keys and are
inserted with ``ON CONFLICT DO NOTHING``; counts are read back from the tables, so a retried
activity reports the same numbers as the first run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as SAAsyncSession
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import (
    CHAMPS_EXCLUSION,
    LOT_ANCIENS_AFFILIES,
    TYPE_TACHE_CAMPAGNE,
    Cohorte,
    Cohortes,
    DecisionPerimetre,
    EtatCible,
    MotifExclusion,
    OuvertureCampagne,
    ResultatSelection,
    TransitionCampagne,
    delai_premiere_validation,
)
from domain.etats import EtatTache
from persistence import depots
from persistence.models_campagne import CampagneTable, ExportCampagne
from persistence.types import UtcDateTime

_H = UtcDateTime()


async def _executer(session: AsyncSession, requete, parametres=None):
    """SQLAlchemy's ``execute`` (text and Core statements), without SQLModel's warning meant for ``select``."""
    return await SAAsyncSession.execute(session, requete, parametres)


async def _dictionnaires(session: AsyncSession, requete: str, valeurs: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a query, each as a dict of its columns."""
    return [dict(ligne._mapping) for ligne in (await _executer(session, text(requete), valeurs)).all()]


async def _lignes(session: AsyncSession, requete: str, valeurs: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(ligne) for ligne in (await _executer(session, text(requete), valeurs)).all()]


async def _nombre(session: AsyncSession, requete: str, valeurs: dict[str, Any]) -> int:
    """The count a query returns."""
    return int((await _executer(session, text(requete), valeurs)).scalar() or 0)


# The open campaign tasks of a campaign employer (``ce``), for the lists of employers.
# The open campaign tasks of a campaign employer (``ce``), and those closed unanswered at its cut-off, for the lists
# of employers.
_TACHES_OUVERTES = """(SELECT COUNT(*) FROM tache t WHERE t.workflow_id = :wf AND t.type = :type AND t.etat = :ouverte
                  AND t.employeur_id = ce.employeur_id) AS taches_ouvertes,
               (SELECT COUNT(*) FROM tache t WHERE t.workflow_id = :wf AND t.type = :type AND t.etat = :close
                  AND t.employeur_id = ce.employeur_id) AS taches_closes,
               CASE WHEN ce.relance_apres_limite_le IS NULL THEN 0 ELSE 1 END AS relance_apres_limite"""


def _parametres_taches_ouvertes(workflow_id: str) -> dict[str, Any]:
    return {
        "wf": workflow_id,
        "type": TYPE_TACHE_CAMPAGNE,
        "ouverte": EtatTache.ouverte.value,
        "close": EtatTache.close_date_limite.value,
    }


def _dialecte(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _annee_de(session: AsyncSession, colonne: str) -> str:
    if _dialecte(session) == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {colonne}) AS INTEGER)"
    return f"CAST(strftime('%Y', {colonne}) AS INTEGER)"


def _json(session: AsyncSession, expression: str) -> str:
    return f"CAST({expression} AS JSON)" if _dialecte(session) == "postgresql" else expression


def _liste(nom: str, valeurs: Sequence[Any]):
    return bindparam(nom, value=list(valeurs), expanding=True)


# The manager's exclusions in force (``campagne_perimetre`` rows ``p``), for ``couverte_par``.
EXCLUSIONS_EN_VIGUEUR = f"p.decision = '{DecisionPerimetre.exclusion.value}' AND p.levee_le IS NULL"


def couverte_par(exclusions: str, campagne: str, affilie: str | None, employeurs: Sequence[str]) -> str:
    """SQL: one of the ``exclusions`` (a condition on the ``campagne_perimetre`` row ``p``) of the campaign
    ``campagne`` names the agent ``affilie`` or one of the ``employeurs`` (SQL expressions). Every step that works
    on agents asks it (tasks, reminders, the collector's file, the documents): an excluded agent, or an agent of an
    excluded employer, gets nothing from the moment of the exclusion on."""
    noms = ([f"p.affilie_id = {affilie}"] if affilie else []) + [f"p.employeur_id = {e}" for e in employeurs]
    return (
        f"EXISTS (SELECT 1 FROM campagne_perimetre p WHERE p.campagne_id = {campagne} AND {exclusions} "
        f"AND ({' OR '.join(noms)}))"
    )


# The employer an agent of the campaign is counted with: his current one, else the one of his selection.
EMPLOYEUR_ACTUEL = "COALESCE(a.employeur_id, c.employeur_id)"


# --- the campaign and its projection ---------------------------------------------------------------


async def ouvrir(session: AsyncSession, ouverture: OuvertureCampagne) -> CampagneTable:
    """The campaign of this workflow id, created on first call (a dry run starts afresh each time)."""
    campagne = (
        await session.exec(select(CampagneTable).where(CampagneTable.workflow_id == ouverture.workflow_id))
    ).first()
    if campagne is not None and ouverture.simulation:
        for table in ("campagne_cible", "campagne_employeur"):
            await _executer(session, text(f"DELETE FROM {table} WHERE campagne_id = :c"), {"c": campagne.id})
    if campagne is None:
        campagne = CampagneTable(
            workflow_id=ouverture.workflow_id,
            annee=ouverture.annee,
            annee_envoi=ouverture.annee + 1,
            simulation=ouverture.simulation,
            etape="planifiee",
            creee_le=ouverture.horodatage,
        )
    campagne.calendrier = _calendrier_json(ouverture.calendrier)
    campagne.modifiee_le = ouverture.horodatage
    campagne.previsionnel = None
    session.add(campagne)
    await session.flush()
    return campagne


def _calendrier_json(calendrier) -> dict[str, Any]:
    donnees = asdict(calendrier)
    return {
        k: (
            [x.isoformat() for x in v]
            if isinstance(v, list)
            else v.isoformat()
            if isinstance(v, datetime)
            else str(v)
            if isinstance(v, timedelta)
            else v
        )
        for k, v in donnees.items()
    }


async def appliquer_transition(session: AsyncSession, transition: TransitionCampagne) -> CampagneTable:
    campagne = await session.get(CampagneTable, transition.campagne_id)
    if campagne is None:
        raise LookupError(f"campagne {transition.campagne_id} inconnue")
    campagne.etape = transition.etape.value
    campagne.en_pause = transition.en_pause
    campagne.prochaine_echeance = transition.prochaine_echeance
    campagne.compteurs = asdict(transition.compteurs)
    campagne.modifiee_le = transition.horodatage
    session.add(campagne)
    await depots.ajouter_evenement_de(session, transition)
    return campagne


async def campagne_par_annee(session: AsyncSession, annee: int, simulation: bool = False) -> CampagneTable | None:
    return (
        await session.exec(
            select(CampagneTable).where(CampagneTable.annee == annee, CampagneTable.simulation == simulation)
        )
    ).first()


# --- selection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ajout:
    """A manager's addition (``campagne_perimetre``): the selection's rules run again on day ``le`` for one agent
    or one employer's agents, into the existing batch ``lot``; the targets it adds carry its id."""

    id: int
    lot: int
    le: date
    affilie_id: int | None = None
    employeur_id: int | None = None


@dataclass(frozen=True)
class _Insertion:
    """Where the selected agents go: batch and tranche (SQL over the affiliate ``a``), the status day, which agents
    (SQL condition over ``a``), and the statement's values (``ajout``: the addition they come from, if any)."""

    lot: str
    tranche: str
    le: date
    perimetre: str = "true"
    valeurs: dict[str, Any] = field(default_factory=dict)


async def selectionner(
    session: AsyncSession,
    campagne_id: int,
    c: Cohortes,
    taille_lot: int,
    nb_tranches: int,
    jours_par_trimestre: int,
    nouveaux_affilies: bool,
) -> ResultatSelection:
    """Insert the campaign's agents in bulk: RIS and EIG cohorts by birth year (actives with a CNRACL
    employer), or the newcomers who validated their first trimestres during year N."""
    lots = {"taille": taille_lot}
    insertion = _Insertion(
        "a.employeur_id / :taille",
        "a.id % :nt",
        date(c.annee_campagne, 7, 1),
        valeurs=lots | {"nt": max(nb_tranches, 1)},
    )
    await _inserer_cibles(session, campagne_id, c, jours_par_trimestre, nouveaux_affilies, insertion)
    if not nouveaux_affilies:
        await _employeurs_de_l_annee(session, campagne_id, c.annee_cir_complete)
    await _employeurs_de_la_campagne(session, campagne_id, "employeur_id / :taille", lots)
    return await resultat_selection(session, campagne_id)


async def ajouter_cibles(
    session: AsyncSession, campagne_id: int, c: Cohortes, jours_par_trimestre: int, ajout: Ajout
) -> int:
    """The selection's rules (the cohorts, the newcomers, who is asked to update the CIR) run again for the agent or
    the employer's agents of a manager's addition, on its day, into its batch; its agents go to the first tranche
    (one produced later joins the tranche that produces it). The number of agents it added."""
    agent = ajout.affilie_id is not None
    perimetre = "a.id = :designe" if agent else "a.employeur_id = :designe"
    valeurs = {"designe": ajout.affilie_id if agent else ajout.employeur_id, "lot": ajout.lot, "ajout": ajout.id}
    insertion = _Insertion(":lot", "0", ajout.le, perimetre, valeurs)
    for nouveaux_affilies in (False, True):
        await _inserer_cibles(session, campagne_id, c, jours_par_trimestre, nouveaux_affilies, insertion)
    await _employeurs_de_l_annee(session, campagne_id, c.annee_cir_complete, ajout.id)
    await _employeurs_de_la_campagne(session, campagne_id, ":lot", {"lot": ajout.lot})
    return await _nombre(
        session,
        "SELECT COUNT(*) FROM campagne_cible WHERE campagne_id = :c AND ajout_id = :a",
        {"c": campagne_id, "a": ajout.id},
    )


async def _inserer_cibles(
    session: AsyncSession,
    campagne_id: int,
    c: Cohortes,
    jours_par_trimestre: int,
    nouveaux_affilies: bool,
    insertion: _Insertion,
) -> None:
    annee_naissance = _annee_de(session, "a.date_de_naissance")
    commun = (
        {"ajout": None}
        | insertion.valeurs
        | {
            "c": campagne_id,
            "annee_cir": c.annee_cir_complete,
            "etat": EtatCible.selectionne.value,
            "le": insertion.le,
        }
    )
    inserer = f"""
        INSERT INTO campagne_cible (campagne_id, affilie_id, employeur_id, cohorte, age, lot, tranche,
                                    a_mettre_a_jour, etat, ajout_id)
        SELECT :c, a.id, a.employeur_id, :cohorte, {{age}}, CAST({insertion.lot} AS INTEGER), {insertion.tranche},
               {{maj}}, :etat, CAST(:ajout AS INTEGER)
        FROM affilie a
        WHERE a.employeur_id IS NOT NULL AND {{eligible}} AND {insertion.perimetre}
          AND {{condition}}
        ON CONFLICT (campagne_id, affilie_id, cohorte) DO NOTHING"""
    # domain.campagne.motif_exclusion in bulk: none of the status dates reached on the selection day.
    eligible = " AND ".join(f"(a.{champ} IS NULL OR a.{champ} > :le)" for champ in CHAMPS_EXCLUSION.values())
    inserer = inserer.replace("{eligible}", eligible)
    if not nouveaux_affilies:
        for cohorte in (Cohorte.ris, Cohorte.eig):
            for naissance, age in c.naissances(cohorte).items():
                await _executer(
                    session,
                    text(inserer.format(age=":age", maj="false", condition="a.date_de_naissance BETWEEN :d1 AND :d2")),
                    commun
                    | {
                        "cohorte": cohorte.value,
                        "age": age,
                        "d1": date(naissance, 1, 1),
                        "d2": date(naissance, 12, 31),
                    },
                )
    else:
        # Reached the required trimestres for the first time during year N, in any scheme: the date the inter-scheme
        # data gives (services.donnees.importer_autres_regimes), or else (unknown) a CNRACL affiliation between these
        # dates.
        delai = delai_premiere_validation(c.trimestres_information_generale, jours_par_trimestre)
        await _executer(
            session,
            text(
                inserer.format(
                    age=f":annee_envoi - {annee_naissance}",
                    maj="false",
                    condition="(a.date_premiere_validation BETWEEN :n1 AND :n2 OR "
                    "(a.date_premiere_validation IS NULL AND a.date_affiliation BETWEEN :d1 AND :d2))",
                )
            ),
            commun
            | {
                "cohorte": Cohorte.information_generale.value,
                "annee_envoi": c.annee_envoi,
                "n1": date(c.annee_campagne, 1, 1),
                "n2": date(c.annee_campagne, 12, 31),
                "d1": date(c.annee_campagne, 1, 1) - delai,
                "d2": date(c.annee_campagne, 12, 31) - delai,
            },
        )


async def _employeurs_de_la_campagne(
    session: AsyncSession, campagne_id: int, lot: str, valeurs: dict[str, Any]
) -> None:
    """Each employer of the campaign: those asked to update a CIR and those of the newcomers; a new one goes to the
    batch ``lot`` (SQL over its ``employeur_id``), one already there keeps its own."""
    await _executer(
        session,
        text(f"""
        INSERT INTO campagne_employeur (campagne_id, employeur_id, lot, nb_agents, nb_a_mettre_a_jour, rappels,
                                        en_retard)
        SELECT :c, employeur_id, CAST({lot} AS INTEGER), COUNT(DISTINCT affilie_id),
               SUM(CASE WHEN a_mettre_a_jour THEN 1 ELSE 0 END), 0, false
        FROM (SELECT employeur_id, affilie_id, a_mettre_a_jour FROM campagne_agent_employeur WHERE campagne_id = :c
              UNION ALL
              SELECT employeur_id, affilie_id, false FROM campagne_cible
              WHERE campagne_id = :c AND employeur_id IS NOT NULL AND cohorte = :information_generale) employeurs
        GROUP BY employeur_id
        ON CONFLICT (campagne_id, employeur_id) DO UPDATE
        SET nb_agents = excluded.nb_agents, nb_a_mettre_a_jour = excluded.nb_a_mettre_a_jour"""),
        valeurs | {"c": campagne_id, "information_generale": Cohorte.information_generale.value},
    )


async def _employeurs_de_l_annee(
    session: AsyncSession, campagne_id: int, annee_cir: int, ajout_id: int | None = None
) -> None:
    """Who is asked to update the CIR of each RIS or EIG agent: every employer with a line in the reference year
    (or, when the year has none, the agent's current employer); each is up to date when its own line of that year
    carries an index. The agent is to update when one of them is not. ``ajout_id``: only the agents of that
    addition (the others keep what their selection found)."""
    valeurs = {"c": campagne_id, "annee_cir": annee_cir, "ajout": ajout_id}
    cohortes = _liste("cohortes", [Cohorte.ris.value, Cohorte.eig.value])
    # Restricted to one addition's agents: in the statements on the targets (``c``), on their own table, and on
    # the agents' employers.
    de_l_ajout, cibles_de_l_ajout, agents_de_l_ajout = ("", "", "")
    if ajout_id is not None:
        de_l_ajout, cibles_de_l_ajout = "AND c.ajout_id = :ajout", "AND ajout_id = :ajout"
        agents_de_l_ajout = (
            "AND affilie_id IN (SELECT c.affilie_id FROM campagne_cible c WHERE c.campagne_id = :c "
            "AND c.ajout_id = :ajout)"
        )
    await _executer(
        session,
        text(f"""
        INSERT INTO campagne_agent_employeur (campagne_id, affilie_id, employeur_id, a_mettre_a_jour)
        SELECT DISTINCT c.campagne_id, c.affilie_id, l.employeur_id, false
        FROM campagne_cible c JOIN ligne_cir l ON l.affilie_id = c.affilie_id
        WHERE c.campagne_id = :c AND c.cohorte IN :cohortes AND l.annee = :annee_cir AND l.employeur_id IS NOT NULL
          {de_l_ajout}
        ON CONFLICT (campagne_id, affilie_id, employeur_id) DO NOTHING""").bindparams(cohortes),
        valeurs,
    )
    await _executer(
        session,
        text(f"""
        INSERT INTO campagne_agent_employeur (campagne_id, affilie_id, employeur_id, a_mettre_a_jour)
        SELECT c.campagne_id, c.affilie_id, c.employeur_id, false
        FROM campagne_cible c
        WHERE c.campagne_id = :c AND c.cohorte IN :cohortes AND c.employeur_id IS NOT NULL {de_l_ajout}
          AND NOT EXISTS (SELECT 1 FROM campagne_agent_employeur x
                          WHERE x.campagne_id = c.campagne_id AND x.affilie_id = c.affilie_id)
        ON CONFLICT (campagne_id, affilie_id, employeur_id) DO NOTHING""").bindparams(cohortes),
        valeurs,
    )
    await _executer(
        session,
        text(f"""
        UPDATE campagne_agent_employeur SET a_mettre_a_jour = NOT EXISTS (
            SELECT 1 FROM ligne_cir l
            WHERE l.affilie_id = campagne_agent_employeur.affilie_id AND l.annee = :annee_cir
              AND l.employeur_id = campagne_agent_employeur.employeur_id AND l.indice_majore IS NOT NULL)
        WHERE campagne_id = :c {agents_de_l_ajout}"""),
        valeurs,
    )
    await _executer(
        session,
        text(f"""
        UPDATE campagne_cible SET a_mettre_a_jour = EXISTS (
            SELECT 1 FROM campagne_agent_employeur x
            WHERE x.campagne_id = campagne_cible.campagne_id AND x.affilie_id = campagne_cible.affilie_id
              AND x.a_mettre_a_jour)
        WHERE campagne_id = :c AND cohorte IN :cohortes {cibles_de_l_ajout}""").bindparams(cohortes),
        valeurs,
    )


async def resultat_selection(session: AsyncSession, campagne_id: int) -> ResultatSelection:
    parametres = {"c": campagne_id}
    agents = await _lignes(
        session, "SELECT cohorte, COUNT(*) FROM campagne_cible WHERE campagne_id = :c GROUP BY cohorte", parametres
    )
    lots = await _lignes(
        session,
        "SELECT lot FROM campagne_cible WHERE campagne_id = :c UNION SELECT lot FROM campagne_employeur "
        "WHERE campagne_id = :c ORDER BY lot",
        parametres,
    )
    return ResultatSelection(
        lots=[lot for (lot,) in lots],
        agents={cohorte: int(nombre) for cohorte, nombre in agents},
        a_mettre_a_jour=await _nombre(
            session, "SELECT COUNT(*) FROM campagne_cible WHERE campagne_id = :c AND a_mettre_a_jour", parametres
        ),
        employeurs=await _nombre(session, "SELECT COUNT(*) FROM campagne_employeur WHERE campagne_id = :c", parametres),
    )


# --- employers: notification, tasks, reminders, lateness ------------------------------------------


async def employeurs_du_paquet(
    session: AsyncSession,
    campagne_id: int,
    lot: int,
    apres: int,
    limite: int,
    avec_taches_ouvertes: str | None = None,
) -> list[dict[str, Any]]:
    """The next employers of a batch having agents to update (or, for reminders, open campaign tasks and no
    deadline of their own: an employer whose deadline was extended has its own reminder), unless excluded from the
    campaign."""
    filtre = "ce.nb_a_mettre_a_jour > 0"
    valeurs: dict[str, Any] = {"c": campagne_id, "lot": lot, "apres": apres, "limite": limite}
    if avec_taches_ouvertes:
        filtre = (
            "ce.date_limite IS NULL AND EXISTS (SELECT 1 FROM tache t WHERE t.workflow_id = :wf AND t.type = :type "
            "AND t.employeur_id = ce.employeur_id AND t.etat = :ouverte)"
        )
        valeurs |= {"wf": avec_taches_ouvertes, "type": TYPE_TACHE_CAMPAGNE, "ouverte": EtatTache.ouverte.value}
    return await _dictionnaires(
        session,
        f"""
        SELECT e.id, e.siret, e.raison_sociale, e.email, ce.nb_a_mettre_a_jour
        FROM campagne_employeur ce JOIN employeur e ON e.id = ce.employeur_id
        WHERE ce.campagne_id = :c AND ce.lot = :lot AND ce.employeur_id > :apres AND {filtre}
          AND NOT {couverte_par(EXCLUSIONS_EN_VIGUEUR, "ce.campagne_id", None, ["ce.employeur_id"])}
        ORDER BY ce.employeur_id LIMIT :limite""",
        valeurs,
    )


async def creer_taches(
    session: AsyncSession,
    campagne_id: int,
    workflow_id: str,
    annee: str,
    employeurs: Sequence[int],
    echeance: datetime,
    horodatage: datetime,
    ajout_id: int | None = None,
) -> None:
    """One inbox task per agent to update and per employer asked (several employers in the reference year: one task
    each), for these employers, in one INSERT … SELECT (``annee`` as text: it is concatenated into the task's JSON
    details); none for an agent excluded from the campaign, or for an excluded employer. ``ajout_id``: only the
    agents of that addition. Due at ``echeance``, or at the employer's own deadline when a manager extended it."""
    details = _json(session, "'{\"annee\": ' || :annee || ', \"cohorte\": \"' || c.cohorte || '\"}'")
    de_l_ajout = "" if ajout_id is None else "AND c.ajout_id = :ajout"
    exclue = couverte_par(EXCLUSIONS_EN_VIGUEUR, "x.campagne_id", "x.affilie_id", ["x.employeur_id", EMPLOYEUR_ACTUEL])
    requete = text(f"""
        INSERT INTO tache (cle, type, workflow_id, employeur_id, affilie_id, etat, echeance, creee_le,
                           destinataire, details)
        SELECT :wf || ':' || :type || ':' || x.affilie_id || ':' || x.employeur_id, :type, :wf, x.employeur_id,
               x.affilie_id, :ouverte, COALESCE(ce.date_limite, :echeance), :h, 'employeur', {details}
        FROM campagne_agent_employeur x
        JOIN campagne_cible c ON c.campagne_id = x.campagne_id AND c.affilie_id = x.affilie_id AND c.a_mettre_a_jour
        JOIN affilie a ON a.id = x.affilie_id
        LEFT JOIN campagne_employeur ce ON ce.campagne_id = x.campagne_id AND ce.employeur_id = x.employeur_id
        WHERE x.campagne_id = :c AND x.a_mettre_a_jour AND x.employeur_id IN :employeurs {de_l_ajout}
          AND NOT {exclue}
        ON CONFLICT (cle) DO NOTHING""").bindparams(
        bindparam("echeance", type_=_H), bindparam("h", type_=_H), _liste("employeurs", employeurs)
    )
    await _executer(
        session,
        requete,
        {
            "c": campagne_id,
            "wf": workflow_id,
            "type": TYPE_TACHE_CAMPAGNE,
            "ouverte": EtatTache.ouverte.value,
            "echeance": echeance,
            "h": horodatage,
            "annee": annee,
            "ajout": ajout_id,
        },
    )


async def agents_a_mettre_a_jour(
    session: AsyncSession,
    campagne_id: int,
    workflow_id: str,
    employeurs: Sequence[int],
    seulement_ouvertes: bool = False,
    etat: EtatTache | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """Per employer, its agents to update and its task for each (the content of the employer's mail); only the
    tasks open (``seulement_ouvertes``) or in ``etat``, when given."""
    if not employeurs:
        return {}
    etat = EtatTache.ouverte if seulement_ouvertes else etat
    filtre = "AND t.etat = :etat" if etat is not None else ""
    requete = text(f"""
        SELECT t.employeur_id, a.nom, a.prenom, a.date_de_naissance, c.cohorte, t.id AS tache_id
        FROM tache t JOIN affilie a ON a.id = t.affilie_id
        JOIN campagne_cible c ON c.campagne_id = :c AND c.affilie_id = t.affilie_id AND c.a_mettre_a_jour
        WHERE t.workflow_id = :wf AND t.type = :type AND t.employeur_id IN :employeurs {filtre}
        ORDER BY t.employeur_id, a.nom, a.prenom""").bindparams(_liste("employeurs", employeurs))
    par_employeur: dict[int, list[dict[str, Any]]] = {e: [] for e in employeurs}
    for ligne in (
        await _executer(
            session,
            requete,
            {"c": campagne_id, "wf": workflow_id, "type": TYPE_TACHE_CAMPAGNE, "etat": etat.value if etat else None},
        )
    ).all():
        naissance = ligne.date_de_naissance
        par_employeur[ligne.employeur_id].append(
            {
                "nom": ligne.nom,
                "prenom": ligne.prenom,
                "tache_id": ligne.tache_id,
                "cohorte": ligne.cohorte,
                "annee_de_naissance": str(naissance)[:4],
            }
        )
    return par_employeur


async def marquer_notifies(
    session: AsyncSession, campagne_id: int, employeurs: Sequence[int], horodatage: datetime
) -> None:
    await _modifier_employeurs(
        session,
        "UPDATE campagne_employeur SET notifie_le = :h WHERE campagne_id = :c AND employeur_id IN :employeurs "
        "AND notifie_le IS NULL",
        employeurs,
        {"c": campagne_id, "h": horodatage},
    )


async def marquer_relances(
    session: AsyncSession,
    campagne_id: int,
    workflow_id: str,
    employeurs: Sequence[int],
    rang: int,
    horodatage: datetime,
) -> None:
    await _modifier_employeurs(
        session,
        "UPDATE tache SET relancee_le = :h WHERE workflow_id = :wf AND type = :type AND etat = :ouverte "
        "AND employeur_id IN :employeurs",
        employeurs,
        {"h": horodatage, "wf": workflow_id, "type": TYPE_TACHE_CAMPAGNE, "ouverte": EtatTache.ouverte.value},
    )
    await _modifier_employeurs(
        session,
        "UPDATE campagne_employeur SET rappels = :n WHERE campagne_id = :c AND employeur_id IN :employeurs "
        "AND rappels < :n",
        employeurs,
        {"n": rang + 1, "c": campagne_id},
    )


async def _modifier_employeurs(
    session: AsyncSession, requete: str, employeurs: Sequence[int], valeurs: dict[str, Any]
) -> None:
    """An UPDATE over a list of employers (``:employeurs``); ``:h``, when given, is a timestamp."""
    liens = [_liste("employeurs", employeurs), *([bindparam("h", type_=_H)] if "h" in valeurs else [])]
    await _executer(session, text(requete).bindparams(*liens), valeurs)


async def compter_lot(session: AsyncSession, campagne_id: int, workflow_id: str, lot: int) -> dict[str, int]:
    """Idempotent counts of one batch: employers notified, tasks, reminders sent."""
    valeurs = {"c": campagne_id, "lot": lot, "wf": workflow_id, "type": TYPE_TACHE_CAMPAGNE}
    return {
        "employeurs": await _nombre(
            session,
            "SELECT COUNT(*) FROM campagne_employeur WHERE campagne_id = :c AND lot = :lot AND notifie_le IS NOT NULL",
            valeurs,
        ),
        "taches": await _nombre(
            session,
            "SELECT COUNT(*) FROM tache t JOIN campagne_employeur ce ON ce.employeur_id = t.employeur_id "
            "WHERE ce.campagne_id = :c AND ce.lot = :lot AND t.workflow_id = :wf AND t.type = :type",
            valeurs,
        ),
    }


async def retardataires(
    session: AsyncSession, campagne_id: int, workflow_id: str, limite: int = 100000, decalage: int = 0
) -> list[dict[str, Any]]:
    return await _dictionnaires(
        session,
        f"""
        SELECT e.id AS employeur_id, e.siret, e.raison_sociale, ce.nb_a_mettre_a_jour, ce.rappels,
               {_TACHES_OUVERTES}
        FROM campagne_employeur ce JOIN employeur e ON e.id = ce.employeur_id
        WHERE ce.campagne_id = :c AND ce.en_retard
        ORDER BY taches_ouvertes DESC, taches_closes DESC, e.id LIMIT :limite OFFSET :decalage""",
        {"c": campagne_id, "limite": limite, "decalage": decalage} | _parametres_taches_ouvertes(workflow_id),
    )


# --- transmission --------------------------------------------------------------------------------


async def export_du_lot(session: AsyncSession, campagne_id: int, lot: int) -> ExportCampagne | None:
    """The collector's receipt of a batch already transmitted."""
    requete = select(ExportCampagne).where(ExportCampagne.campagne_id == campagne_id, ExportCampagne.lot == lot)
    return (await session.exec(requete)).first()


async def enregistrer_export(session: AsyncSession, recu: dict[str, Any]) -> None:
    """Store a batch's receipt once (unique on campaign and batch: a retried transmission adds nothing)."""
    table = ExportCampagne.__table__  # type: ignore[attr-defined]
    await _executer(session, _inserer_sans_doublon(session, table, ["campagne_id", "lot"]), [recu])


async def lignes_export(
    session: AsyncSession, campagne_id: int, lot: int, c: Cohortes, le: date
) -> list[dict[str, Any]]:
    """What the collector receives for one batch (docs/collecteur.md), in a stable order: the agents selected in
    the batch (but those excluded from the campaign), or (``LOT_ANCIENS_AFFILIES``) the cohorts' former affiliates;
    each with its CIR periods and children. The employer is the agent's current one, read now (not the one of the
    selection)."""
    colonnes = """a.id AS affilie_id, a.nir, a.nom, a.prenom, a.date_de_naissance, a.date_affiliation,
               a.date_radiation, a.categorie, e.siret AS siret_employeur"""
    if lot != LOT_ANCIENS_AFFILIES:
        agents = await _dictionnaires(
            session,
            f"""
            SELECT {colonnes}, c.cohorte, c.age, 'affilie' AS statut
            FROM campagne_cible c JOIN affilie a ON a.id = c.affilie_id
            LEFT JOIN employeur e ON e.id = a.employeur_id
            WHERE c.campagne_id = :c AND c.lot = :lot
              AND NOT {couverte_par(EXCLUSIONS_EN_VIGUEUR, "c.campagne_id", "c.affilie_id", [EMPLOYEUR_ACTUEL])}
            ORDER BY c.affilie_id, c.cohorte""",
            {"c": campagne_id, "lot": lot},
        )
    else:
        # Born in a RIS or EIG cohort, with CNRACL periods, not selected (no CNRACL employer, or struck off), alive
        # and not retired on the transmission day (the same status fields as the selection).
        vivants = " AND ".join(
            f"(a.{champ} IS NULL OR a.{champ} > :le)"
            for motif, champ in CHAMPS_EXCLUSION.items()
            if motif is not MotifExclusion.radiation
        )
        agents = []
        for cohorte in (Cohorte.ris, Cohorte.eig):
            for naissance, age in sorted(c.naissances(cohorte).items()):
                agents += await _dictionnaires(
                    session,
                    f"""
                    SELECT {colonnes}, CAST(:cohorte AS VARCHAR(30)) AS cohorte, CAST(:age AS INTEGER) AS age,
                           'ancien_affilie' AS statut
                    FROM affilie a LEFT JOIN employeur e ON e.id = a.employeur_id
                    WHERE a.date_de_naissance BETWEEN :d1 AND :d2 AND {vivants}
                      AND EXISTS (SELECT 1 FROM ligne_cir l WHERE l.affilie_id = a.id)
                      AND NOT EXISTS (SELECT 1 FROM campagne_cible c WHERE c.campagne_id = :c AND c.affilie_id = a.id)
                    ORDER BY a.id""",
                    {
                        "c": campagne_id,
                        "cohorte": cohorte.value,
                        "age": age,
                        "le": le,
                        "d1": date(naissance, 1, 1),
                        "d2": date(naissance, 12, 31),
                    },
                )
        for agent in agents:
            agent["siret_employeur"] = None  # a former affiliate has no current CNRACL employer
    ids = sorted({agent["affilie_id"] for agent in agents})
    periodes: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    enfants: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for ligne in await _dictionnaires_de(
            session,
            """
            SELECT l.affilie_id, l.annee, l.date_debut, l.date_fin, l.quotite, l.nature, l.categorie,
                   l.indice_majore, e.siret AS siret_employeur
            FROM ligne_cir l LEFT JOIN employeur e ON e.id = l.employeur_id
            WHERE l.affilie_id IN :ids ORDER BY l.affilie_id, l.date_debut""",
            ids,
        ):
            periodes[ligne.pop("affilie_id")].append(
                ligne | {"date_debut": str(ligne["date_debut"]), "date_fin": str(ligne["date_fin"])}
            )
        for enfant in await _dictionnaires_de(
            session,
            "SELECT affilie_id, date_de_naissance FROM enfant WHERE affilie_id IN :ids "
            "ORDER BY affilie_id, date_de_naissance, id",
            ids,
        ):
            enfants[enfant["affilie_id"]].append({"date_de_naissance": str(enfant["date_de_naissance"])})
    return [
        {
            "nir": agent["nir"],
            "nom": agent["nom"],
            "prenom": agent["prenom"],
            "date_de_naissance": str(agent["date_de_naissance"]),
            "cohorte": agent["cohorte"],
            "age": int(agent["age"]),
            "statut": agent["statut"],
            "date_affiliation": str(agent["date_affiliation"]),
            "date_radiation": None if agent["date_radiation"] is None else str(agent["date_radiation"]),
            "categorie": agent["categorie"],
            "siret_employeur": agent["siret_employeur"],
            "periodes": periodes[agent["affilie_id"]],
            "enfants": enfants[agent["affilie_id"]],
            # The CIR holds no bonification yet: the field is there so that the format does not change when it does.
            "bonifications": [],
        }
        for agent in agents
    ]


async def _dictionnaires_de(session: AsyncSession, requete: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The rows of a query over a list of affiliates (``:ids``), each as a dict."""
    resultat = await _executer(session, text(requete).bindparams(_liste("ids", ids)))
    return [dict(ligne._mapping) for ligne in resultat.all()]


# --- documents -----------------------------------------------------------------------------------


async def cibles_a_produire(
    session: AsyncSession, campagne_id: int, lot: int, tranche: int, apres: int, limite: int
) -> list[dict[str, Any]]:
    """The next targets of a tranche still without their document; ``exclue``: a manager's exclusion covers the
    agent or his employer (``domain.campagne.motif_exclusion`` reads it with the agent's status)."""
    return await _dictionnaires(
        session,
        f"""
        SELECT c.id, c.affilie_id, c.cohorte, c.age, c.etat, c.document_id,
               {couverte_par(EXCLUSIONS_EN_VIGUEUR, "c.campagne_id", "c.affilie_id", [EMPLOYEUR_ACTUEL])} AS exclue
        FROM campagne_cible c JOIN affilie a ON a.id = c.affilie_id
        WHERE c.campagne_id = :c AND c.lot = :lot AND c.tranche <= :tranche AND c.id > :apres
          AND c.etat IN (:selectionne, :produit)
        ORDER BY c.id LIMIT :limite""",
        {
            "c": campagne_id,
            "lot": lot,
            "tranche": tranche,
            "apres": apres,
            "limite": limite,
            "selectionne": EtatCible.selectionne.value,
            "produit": EtatCible.document_produit.value,
        },
    )


async def suivre_employeurs_actuels(session: AsyncSession, cibles: Sequence[int]) -> None:
    """The employer of these targets resolved again when their documents are produced: an agent who changed
    employer since the selection is the new employer's (its campaign page, the supervisors' lists)."""
    if cibles:
        await _executer(
            session,
            text("""
            UPDATE campagne_cible SET employeur_id = (
                SELECT a.employeur_id FROM affilie a WHERE a.id = campagne_cible.affilie_id)
            WHERE id IN :cibles AND EXISTS (
                SELECT 1 FROM affilie a WHERE a.id = campagne_cible.affilie_id AND a.employeur_id IS NOT NULL
                  AND (campagne_cible.employeur_id IS NULL OR a.employeur_id <> campagne_cible.employeur_id))""").bindparams(
                _liste("cibles", cibles)
            ),
        )


async def ramener_a_la_tranche(session: AsyncSession, cibles: Sequence[int], tranche: int) -> None:
    """Targets of an earlier tranche still to produce (added by a manager, or back after an exclusion was lifted)
    join the tranche that produces them, so that its count holds them."""
    if cibles:
        await _executer(
            session,
            text(
                "UPDATE campagne_cible SET tranche = :t WHERE id IN :cibles AND tranche < :t AND etat = :selectionne"
            ).bindparams(_liste("cibles", cibles)),
            {"t": tranche, "selectionne": EtatCible.selectionne.value},
        )


async def dossiers_affilies(session: AsyncSession, affilie_ids: Sequence[int]):
    """Affiliates, their CIR lines and children, for a packet, in three queries."""
    from persistence.models import Affilie, Enfant, LigneCirTable

    affilies = {a.id: a for a in (await session.exec(select(Affilie).where(col(Affilie.id).in_(affilie_ids)))).all()}
    lignes: dict[int, list] = {i: [] for i in affilie_ids}
    for ligne in (
        await session.exec(
            select(LigneCirTable)
            .where(col(LigneCirTable.affilie_id).in_(affilie_ids))
            .order_by(col(LigneCirTable.affilie_id), col(LigneCirTable.date_debut))
        )
    ).all():
        lignes[ligne.affilie_id].append(ligne)
    enfants: dict[int, list] = {i: [] for i in affilie_ids}
    for enfant in (await session.exec(select(Enfant).where(col(Enfant.affilie_id).in_(affilie_ids)))).all():
        enfants[enfant.affilie_id].append(enfant)
    return affilies, lignes, enfants


async def enregistrer_documents(session: AsyncSession, documents: list[dict[str, Any]]) -> dict[str, int]:
    """Insert documents (``cle``, ``type``, ``affilie_id``, ``cree_le``, ``contenu``) once; their ids by key."""
    from persistence.models import Document

    if documents:
        await _executer(session, _inserer_sans_doublon(session, Document, ["cle"]), documents)
    cles = [d["cle"] for d in documents]
    lignes = (
        (
            await _executer(
                session, text("SELECT cle, id FROM document WHERE cle IN :cles").bindparams(_liste("cles", cles))
            )
        ).all()
        if cles
        else []
    )
    return dict(lignes)


def _inserer_sans_doublon(session: AsyncSession, table: Any, conflit: list[str]) -> postgresql.Insert | sqlite.Insert:
    if _dialecte(session) == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=conflit)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=conflit)


async def marquer_cibles(session: AsyncSession, etat: EtatCible, cibles: list[dict[str, Any]]) -> None:
    """``cibles``: ``{"id": …, "document_id": …}`` rows (executemany)."""
    if cibles:
        await _executer(
            session,
            text("UPDATE campagne_cible SET etat = :etat, document_id = :document_id WHERE id = :id"),
            [{"etat": etat.value, **c} for c in cibles],
        )


async def compter_documents(session: AsyncSession, campagne_id: int, lot: int, tranche: int) -> dict[str, int]:
    lignes = (
        await _executer(
            session,
            text(
                "SELECT etat, COUNT(*) FROM campagne_cible WHERE campagne_id = :c AND lot = :lot AND tranche = :t "
                "GROUP BY etat"
            ),
            {"c": campagne_id, "lot": lot, "t": tranche},
        )
    ).all()
    return {etat: int(n) for etat, n in lignes}


async def clore_hors_delai(session: AsyncSession, campagne_id: int) -> int:
    """The sending closed at its legal end: the targets still without their document (an exclusion in force aside:
    they were never to get one) are marked ``hors_delai``; how many are (a retry marks none and counts the same)."""
    valeurs = {
        "c": campagne_id,
        "hors_delai": EtatCible.hors_delai.value,
        "selectionne": EtatCible.selectionne.value,
        "produit": EtatCible.document_produit.value,
    }
    exclue = couverte_par(
        EXCLUSIONS_EN_VIGUEUR,
        "campagne_cible.campagne_id",
        "campagne_cible.affilie_id",
        ["campagne_cible.employeur_id"],
    )
    await _executer(
        session,
        text(
            "UPDATE campagne_cible SET etat = :hors_delai WHERE campagne_id = :c AND etat IN (:selectionne, :produit) "
            f"AND NOT {exclue}"
        ),
        valeurs,
    )
    return await _nombre(
        session,
        "SELECT COUNT(*) FROM campagne_cible WHERE campagne_id = :c AND etat = :hors_delai",
        {"c": campagne_id, "hors_delai": EtatCible.hors_delai.value},
    )


# --- progress, dry run ---------------------------------------------------------------------------


async def progression(session: AsyncSession, campagne: CampagneTable) -> dict[str, Any]:
    """Progress by cohort and state, employers, tasks, exports, documents (what GET /campagnes shows)."""
    c = {"c": campagne.id, "wf": campagne.workflow_id, "type": TYPE_TACHE_CAMPAGNE}
    par_cohorte: dict[str, dict[str, int]] = {}
    for cohorte, etat, n in (
        await _executer(
            session,
            text("SELECT cohorte, etat, COUNT(*) FROM campagne_cible WHERE campagne_id = :c GROUP BY cohorte, etat"),
            c,
        )
    ).all():
        par_cohorte.setdefault(cohorte, {})[etat] = int(n)
    taches = {
        etat: int(n)
        for etat, n in (
            await _executer(
                session,
                text("SELECT etat, COUNT(*) FROM tache WHERE workflow_id = :wf AND type = :type GROUP BY etat"),
                c,
            )
        ).all()
    }
    employeurs = (
        await _executer(
            session,
            text("""
        SELECT COUNT(*) AS total, SUM(CASE WHEN nb_a_mettre_a_jour > 0 THEN 1 ELSE 0 END) AS concernes,
               SUM(CASE WHEN notifie_le IS NOT NULL THEN 1 ELSE 0 END) AS notifies,
               SUM(CASE WHEN en_retard THEN 1 ELSE 0 END) AS en_retard,
               SUM(CASE WHEN date_limite IS NOT NULL THEN 1 ELSE 0 END) AS delai_prolonge,
               SUM(CASE WHEN relance_apres_limite_le IS NOT NULL THEN 1 ELSE 0 END) AS relances_apres_limite
        FROM campagne_employeur WHERE campagne_id = :c"""),
            c,
        )
    ).one()
    exports = (
        await _executer(
            session, text("SELECT COUNT(*), COALESCE(SUM(lignes), 0) FROM campagne_export WHERE campagne_id = :c"), c
        )
    ).one()
    return {
        "par_cohorte": par_cohorte,
        "taches": taches,
        "employeurs": {k: int(v or 0) for k, v in employeurs._mapping.items()},
        "exports": {"lots": int(exports[0]), "lignes": int(exports[1])},
    }


async def employeurs_de_la_campagne(
    session: AsyncSession, campagne: CampagneTable, en_retard: bool | None, limite: int, decalage: int
) -> list[dict[str, Any]]:
    filtre = "" if en_retard is None else ("AND ce.en_retard" if en_retard else "AND NOT ce.en_retard")
    return await _dictionnaires(
        session,
        f"""
        SELECT e.id AS employeur_id, e.siret, e.raison_sociale, ce.lot, ce.nb_agents, ce.nb_a_mettre_a_jour,
               ce.notifie_le, ce.rappels, ce.en_retard, ce.date_limite,
               {_TACHES_OUVERTES}
        FROM campagne_employeur ce JOIN employeur e ON e.id = ce.employeur_id
        WHERE ce.campagne_id = :c {filtre}
        ORDER BY ce.en_retard DESC, ce.nb_a_mettre_a_jour DESC, e.id LIMIT :limite OFFSET :decalage""",
        {"c": campagne.id, "limite": limite, "decalage": decalage} | _parametres_taches_ouvertes(campagne.workflow_id),
    )


async def cibles_de_la_campagne(
    session: AsyncSession,
    campagne_id: int,
    employeur_id: int | None,
    cohorte: str | None,
    limite: int,
    decalage: int,
    livraison: str | None = None,
) -> list[dict[str, Any]]:
    """Who receives (or, in a dry run, would receive) which document, and how it reached them."""
    filtres = ""
    valeurs: dict[str, Any] = {"c": campagne_id, "limite": limite, "decalage": decalage}
    if employeur_id is not None:
        filtres += " AND c.employeur_id = :e"
        valeurs["e"] = employeur_id
    if cohorte:
        filtres += " AND c.cohorte = :cohorte"
        valeurs["cohorte"] = cohorte
    if livraison:
        filtres += " AND c.livraison = :livraison"
        valeurs["livraison"] = livraison
    return await _dictionnaires(
        session,
        f"""
        SELECT a.nir, a.nom, a.prenom, c.affilie_id, c.cohorte, c.age, c.employeur_id, c.a_mettre_a_jour, c.tranche,
               c.etat, c.document_id, c.livraison, a.canal
        FROM campagne_cible c JOIN affilie a ON a.id = c.affilie_id
        WHERE c.campagne_id = :c {filtres} ORDER BY c.id LIMIT :limite OFFSET :decalage""",
        valeurs,
    )


async def charge_previsionnelle(session: AsyncSession, campagne_id: int) -> dict[str, Any]:
    """Counts for the dry run: per cohort and age, per tranche, the employers most concerned."""
    parametres = {"c": campagne_id}
    par_age = await _lignes(
        session,
        "SELECT cohorte, age, COUNT(*) FROM campagne_cible WHERE campagne_id = :c GROUP BY cohorte, age "
        "ORDER BY cohorte, age",
        parametres,
    )
    par_tranche = await _lignes(
        session,
        "SELECT tranche, COUNT(*) FROM campagne_cible WHERE campagne_id = :c GROUP BY tranche",
        parametres,
    )
    principaux = await _dictionnaires(
        session,
        """
        SELECT e.siret, e.raison_sociale, ce.nb_agents, ce.nb_a_mettre_a_jour
        FROM campagne_employeur ce JOIN employeur e ON e.id = ce.employeur_id
        WHERE ce.campagne_id = :c ORDER BY ce.nb_a_mettre_a_jour DESC, ce.nb_agents DESC, e.id LIMIT 20""",
        parametres,
    )
    return {
        "par_age": [{"cohorte": cohorte, "age": age, "agents": int(n)} for cohorte, age, n in par_age],
        "par_tranche": {int(t): int(n) for t, n in par_tranche},
        "employeurs_concernes": await _nombre(
            session,
            "SELECT COUNT(*) FROM campagne_employeur WHERE campagne_id = :c AND nb_a_mettre_a_jour > 0",
            parametres,
        ),
        "taches": await _nombre(
            session,
            "SELECT COUNT(*) FROM campagne_cible WHERE campagne_id = :c AND a_mettre_a_jour",
            parametres,
        ),
        "lots": await _nombre(
            session, "SELECT COUNT(DISTINCT lot) FROM campagne_cible WHERE campagne_id = :c", parametres
        ),
        "principaux_employeurs": principaux,
    }


async def enregistrer_previsionnel(session: AsyncSession, campagne_id: int, rapport: dict[str, Any]) -> None:
    campagne = await session.get(CampagneTable, campagne_id)
    if campagne is None:
        raise LookupError(f"campagne {campagne_id} inconnue")
    campagne.previsionnel = rapport
    session.add(campagne)


async def terminer_tache_campagne(
    session: AsyncSession, tache_id: int, compte_id: int | None, reponse: dict[str, Any], horodatage: datetime
) -> bool:
    """An employer's answer to a campaign task: done, with its answer; ``False`` if no longer open."""
    from persistence.models import Tache

    tache = await session.get(Tache, tache_id)
    if tache is None or tache.etat != EtatTache.ouverte.value:
        return False
    tache.etat = EtatTache.terminee.value
    tache.terminee_le = horodatage
    tache.assignee_compte_id = compte_id
    tache.reponse = reponse
    session.add(tache)
    await depots.ajouter_evenement(
        session,
        tache.workflow_id,
        "tache_terminee",
        "employeur",
        horodatage,
        compte_id,
        {"tache_id": tache_id, "type": tache.type},
    )
    return True
