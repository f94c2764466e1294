"""The annual DAI campaign (DESIGN §4.2): supervisors start, follow, pause and resume it, or dry-run it;
employers answer their campaign tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from api.deps import Employeur_ou_Superviseur, Identifiant, IdentifiantFacultatif, MoteurDep, SessionDep, Superviseur
from api.parametres import Decalage
from domain.campagne import Cohorte, Livraison
from domain.saisie import Saisie
from domain.texte import TexteLibreMultiligne
from services import campagne_echeances, campagne_rebonds, campagne_renvoi, campagnes, taches
from services.campagne_echeances import DelaiPublic, Prolongation
from services.campagne_rebonds import RebondsPublic, SignalementRebonds
from services.campagne_renvoi import DemandeDeRenvoi, RenvoiPublic
from services.campagnes import CampagnePublique, EtatPilotage, Pilotage

router = APIRouter(prefix="/campagnes", tags=["campagne DAI"])

ModeDeRemise = Annotated[
    Livraison | None,
    Query(
        description="courriel, papier, papier_apres_refus (courriel refusé, passé au papier), papier_apres_rebond "
        "(courriel revenu après son envoi, passé au papier) ou sans_adresse"
    ),
]

Annee = Path(ge=2007, le=2100, description="Année de campagne N (lancement en juillet N, envoi en N+1)")


class CompletionCampagne(Saisie):
    donnees_verifiees: bool = Field(description="Les données de carrière, familiales et indiciaires sont à jour")
    commentaire: TexteLibreMultiligne = Field(default="", max_length=2000)


class Lancement(Saisie):
    confirmation: bool = Field(
        default=False,
        description="Lancer quand même une campagne dont des étapes sont passées : elles sont faites aussitôt",
    )


@router.post("/{annee}", response_model=CampagnePublique, status_code=status.HTTP_202_ACCEPTED)
async def lancer(
    _: Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
    annee: int = Annee,
    simulation: bool = Query(default=False, description="Simulation : compter sans rien envoyer"),
    corps: Lancement | None = None,
) -> CampagnePublique:
    """Lancer une campagne

    Lancer la campagne N (superviseurs ; lancée de nouveau, elle renvoie celle en cours). Avec
    ``simulation=true``, exécuter la simulation et renvoyer son rapport : qui recevrait quoi, courriels et tâches par
    semaine ; rien n'est envoyé. Une campagne dont la date de lancement est passée demande
    ``{"confirmation": true}`` (409 sinon, en indiquant quelles étapes seraient exécutées aussitôt)."""
    try:
        return await campagnes.lancer(session, moteur, annee, simulation, bool(corps and corps.confirmation))
    except campagnes.ConfirmationRequise as refus:
        raise campagnes.ConfirmationRequise(
            f'{refus.message} Pour confirmer, envoyez {{"confirmation": true}} ; pour simuler, simulation=true.'
        ) from None


@router.get("/{annee}", response_model=CampagnePublique)
async def consulter(
    _: Superviseur,
    session: SessionDep,
    annee: int = Annee,
    simulation: bool = Query(default=False, description="La dernière simulation de cette année"),
) -> CampagnePublique:
    """Consulter une campagne

    L'avancement de la campagne (superviseurs) : par cohorte et par état, par employeur (les retardataires
    d'abord), les exports, les documents."""
    return await campagnes.consulter(session, annee, simulation)


@router.get("/{annee}/employeurs")
async def employeurs(
    _: Superviseur,
    session: SessionDep,
    annee: int = Annee,
    en_retard: bool | None = Query(default=None, description="true : les retardataires seuls"),
    simulation: bool = False,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: Decalage = 0,
) -> list[dict[str, Any]]:
    """Employeurs de la campagne

    Les employeurs de la campagne N et leur avancement, par page (superviseurs) ; ``simulation=true`` : ceux de
    sa dernière simulation ; ``en_retard=true`` : les retardataires seuls."""
    return await campagnes.employeurs(session, annee, en_retard, simulation, limite, decalage)


@router.get("/{annee}/agents")
async def agents(
    _: Superviseur,
    session: SessionDep,
    annee: int = Annee,
    simulation: bool = False,
    employeur_id: IdentifiantFacultatif = None,
    cohorte: Cohorte | None = None,
    livraison: ModeDeRemise = None,
    limite: int = Query(default=100, ge=1, le=1000),
    decalage: Decalage = 0,
) -> list[dict[str, Any]]:
    """Agents de la campagne

    Qui reçoit (ou, pour une simulation, recevrait) quel document, et comment il lui est parvenu (superviseurs) :
    ``livraison`` (par courriel, sur papier, sur papier après un courriel refusé ou revenu, ou dû sur papier sans
    adresse), ``canal``, et ``rebond`` (quand le courriel est revenu, et pourquoi)."""
    return await campagnes.agents(session, annee, simulation, employeur_id, cohorte, limite, decalage, livraison)


@router.post(
    "/{annee}/documents/{document_id}/renvoi", response_model=RenvoiPublic, status_code=status.HTTP_202_ACCEPTED
)
async def renvoyer(
    corps: DemandeDeRenvoi,
    compte: Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
    document_id: Identifiant,
    annee: int = Annee,
) -> RenvoiPublic:
    """Renvoyer un document de campagne

    Un superviseur produit de nouveau le document à partir des données du jour et l'annonce de nouveau, une
    seule fois (``motif`` obligatoire ; ``canal`` : ``email`` ou ``papier``, par défaut celui de l'agent). L'ancienne
    version est conservée, marquée comme remplacée ; sur papier, la nouvelle rejoint le lot d'impression de la
    prochaine tranche de la campagne. 404 : pas un document de cette campagne ; 409 : document déjà remplacé
    (renvoyer la version en cours), ou agent qui n'y a plus droit ; 422 : l'agent ne peut être joint par ce canal."""
    return await campagne_renvoi.renvoyer(session, moteur, compte, annee, document_id, corps)


@router.post("/{annee}/rebonds", response_model=RebondsPublic, status_code=status.HTTP_202_ACCEPTED)
async def signaler_rebonds(
    corps: SignalementRebonds,
    compte: Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
    annee: int = Annee,
) -> RebondsPublic:
    """Signaler des courriels revenus

    Un superviseur signale les courriels acceptés par le serveur puis revenus plus tard (les rebonds du
    fournisseur de messagerie) : ``rebonds``, chacun avec un ``message_id`` et un ``motif``, ou
    ``avis_de_non_remise``, les avis de non-remise bruts (RFC 3464). Chaque agent passe au papier comme pour un
    courriel refusé pendant l'échange : le document rejoint le lot d'impression de la prochaine tranche de la
    campagne, un incident s'ouvre, l'historique indique qui l'a signalé. Le courriel d'un employeur (l'annonce, une
    relance) ouvre l'incident de cet employeur pour la campagne, celui qu'ouvrent ses courriels refusés à la date
    limite : son adresse est à corriger, l'employeur à prévenir (``destinataire`` : ``agent`` ou ``employeur``). Le
    même rebond signalé de nouveau ne change rien (``deja_signale``). 404 : aucun courriel de cette campagne ne porte
    ce Message-ID (nommé) ; 422 : pas un avis de non-remise, ou un courriel aux superviseurs (la liste des employeurs
    en retard) ; 409 : un courriel pas encore envoyé."""
    return await campagne_rebonds.signaler_rebonds(session, moteur, compte, annee, corps)


@router.post("/{annee}/pause", response_model=EtatPilotage)
async def pause(
    compte: Superviseur, moteur: MoteurDep, session: SessionDep, annee: int = Annee, corps: Pilotage | None = None
) -> EtatPilotage:
    """Suspendre une campagne

    Un superviseur suspend la campagne N, avec un motif facultatif (``motif``, consigné dans l'historique) ;
    la réponse donne son nouvel état de pilotage."""
    return await campagnes.suspendre(session, moteur, compte, annee, corps)


@router.post("/{annee}/reprise", response_model=EtatPilotage)
async def reprise(
    compte: Superviseur, moteur: MoteurDep, session: SessionDep, annee: int = Annee, corps: Pilotage | None = None
) -> EtatPilotage:
    """Reprendre une campagne

    Un superviseur reprend la campagne N suspendue, avec un motif facultatif (``motif``, consigné dans
    l'historique) ; la réponse donne son nouvel état de pilotage."""
    return await campagnes.reprendre(session, moteur, compte, annee, corps)


@router.post("/{annee}/employeurs/{employeur_id}/delai", response_model=DelaiPublic)
async def prolonger_delai(
    corps: Prolongation,
    compte: Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
    employeur_id: Identifiant,
    annee: int = Annee,
) -> DelaiPublic:
    """Prolonger le délai d'un employeur

    Un superviseur prolonge le délai d'un employeur : ``date_limite`` (un jour, à l'heure de Paris de la date
    limite de la campagne) et ``motif``. Ses tâches de campagne sont alors dues à cette date (celles closes à la date
    limite rouvrent) ; à la date limite de la campagne, il n'est ni en retard ni clos ; il reçoit sa propre relance
    avant sa date, et après elle s'il est encore en retard. 422 pour une date déjà passée, pas postérieure à la date
    limite de la campagne, ou tombant le jour de la transmission ou après ; 404 pour un employeur hors de la
    campagne."""
    return await campagne_echeances.prolonger_delai(session, moteur, compte, annee, employeur_id, corps)


@router.post("/{annee}/taches/{tache_id}/completion")
async def completer(
    corps: CompletionCampagne,
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    tache_id: Identifiant,
    annee: int = Annee,
) -> dict[str, Any]:
    """Terminer une tâche de campagne

    L'employeur a mis à jour le CIR de l'agent (``PUT /affilies/{nir}/cir/{annee}``) et le signale : refusé
    (422, en indiquant la période manquante) tant que le CIR ne couvre pas l'année de référence de la campagne."""
    tache = await taches.tache_de_campagne(session, compte, annee, tache_id)
    await taches.terminer_tache_de_campagne(session, compte, tache, corps.donnees_verifiees, corps.commentaire)
    return {"id": tache_id, "etat": "terminee"}
