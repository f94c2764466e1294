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
    """Start campaign N (again: returns the running one). With ``simulation=true``, run the dry run and
    return its report: who would receive what, mails and tasks per week; nothing is sent. A campaign whose launch
    date is past needs ``{"confirmation": true}`` (409 otherwise, saying which steps would run at once)."""
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
    """Progress by cohort and state, by employer (late ones first), exports, documents."""
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
    """Who receives (or, for a dry run, would receive) which document, and how it reached them: ``livraison``
    (by mail, on paper, on paper after a refused or bounced mail, or due on paper without an address), ``canal``,
    and ``rebond`` (when the mail came back, and why)."""
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
    """Re-produce the document from today's data and announce it again, once (``motif`` required; ``canal``:
    ``email`` or ``papier``, the agent's own by default). The old version is kept, marked replaced; on paper, the new
    one goes into the print batch of the campaign's next tranche. 404: not a document of this campaign; 409: already
    replaced (re-send the current version), or the agent no longer entitled; 422: the agent cannot be reached by that
    channel."""
    return await campagne_renvoi.renvoyer(session, moteur, compte, annee, document_id, corps)


@router.post("/{annee}/rebonds", response_model=RebondsPublic, status_code=status.HTTP_202_ACCEPTED)
async def signaler_rebonds(
    corps: SignalementRebonds,
    compte: Superviseur,
    session: SessionDep,
    moteur: MoteurDep,
    annee: int = Annee,
) -> RebondsPublic:
    """Mails the server accepted that came back later (the mail provider's bounces): ``rebonds``, each a
    ``message_id`` and a ``motif``, or ``avis_de_non_remise``, the raw delivery status notifications (RFC 3464). Each
    agent is switched to paper as for a mail refused during the exchange: the document goes into the print batch of
    the campaign's next tranche, an incident opens, the history says who reported it. An employer's mail (the launch,
    a reminder) opens the employer's incident of the campaign, the one its refused mails open at the cut-off: its
    address is to correct, the employer to warn (``destinataire``: ``agent`` or ``employeur``). The same bounce again
    changes nothing (``deja_signale``). 404: no mail of this campaign has that Message-ID (named); 422: not a
    notification, or a mail to the supervisors (the late employers' list); 409: a mail not sent yet."""
    return await campagne_rebonds.signaler_rebonds(session, moteur, compte, annee, corps)


@router.post("/{annee}/pause", response_model=EtatPilotage)
async def pause(
    compte: Superviseur, moteur: MoteurDep, session: SessionDep, annee: int = Annee, corps: Pilotage | None = None
) -> EtatPilotage:
    return await campagnes.suspendre(session, moteur, compte, annee, corps)


@router.post("/{annee}/reprise", response_model=EtatPilotage)
async def reprise(
    compte: Superviseur, moteur: MoteurDep, session: SessionDep, annee: int = Annee, corps: Pilotage | None = None
) -> EtatPilotage:
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
    """Extend one employer's deadline: ``date_limite`` (a day, at the Paris hour of the campaign's cut-off) and
    ``motif``. Its campaign tasks are due then (those closed at the cut-off open again); it is neither late nor closed
    at the campaign's cut-off; it gets its own reminder before its date, and after it if still late. 422 for a
    date already past, not after the campaign's cut-off, or on or after the transmission; 404 for an employer not
    in the campaign."""
    return await campagne_echeances.prolonger_delai(session, moteur, compte, annee, employeur_id, corps)


@router.post("/{annee}/taches/{tache_id}/completion")
async def completer(
    corps: CompletionCampagne,
    compte: Employeur_ou_Superviseur,
    session: SessionDep,
    tache_id: Identifiant,
    annee: int = Annee,
) -> dict[str, Any]:
    """The employer has updated the agent's CIR (``PUT /affilies/{nir}/cir/{annee}``) and says so: refused (422,
    saying which period is missing) while the CIR does not cover the campaign's reference year."""
    tache = await taches.tache_de_campagne(session, compte, annee, tache_id)
    await taches.terminer_tache_de_campagne(session, compte, tache, corps.donnees_verifiees, corps.commentaire)
    return {"id": tache_id, "etat": "terminee"}
