from fastapi import APIRouter, Response, status

from api.deps import MoteurDep, SessionDep
from services import sante as service
from services.sante import Preparation

router = APIRouter(tags=["santé"])


@router.get("/sante")
async def sante() -> dict[str, str]:
    """Vivacité du service

    Vivacité, sans authentification : le processus de l'API fonctionne."""
    return {"statut": "ok"}


@router.get(
    "/sante/pret",
    response_model=Preparation,
    responses={503: {"model": Preparation, "description": "La base de données ou le moteur ne répond pas"}},
)
async def pret(session: SessionDep, moteur: MoteurDep, reponse: Response) -> Preparation:
    """Disponibilité du service

    Disponibilité, sans authentification (pour le répartiteur de charge) : 200 quand la base de données et le
    moteur de processus répondent, 503 sinon, en indiquant ce qui ne répond pas."""
    etat = await service.preparation(session, moteur)
    if etat.statut != "pret":
        reponse.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return etat
