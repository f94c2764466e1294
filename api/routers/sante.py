from fastapi import APIRouter, Response, status

from api.deps import MoteurDep, SessionDep
from services import sante as service
from services.sante import Preparation

router = APIRouter(tags=["santé"])


@router.get("/sante")
async def sante() -> dict[str, str]:
    """Liveness, without authentication: the API process is up."""
    return {"statut": "ok"}


@router.get(
    "/sante/pret",
    response_model=Preparation,
    responses={503: {"model": Preparation, "description": "La base de données ou le moteur ne répond pas"}},
)
async def pret(session: SessionDep, moteur: MoteurDep, reponse: Response) -> Preparation:
    """Readiness, without authentication (for the load balancer): 200 when the database and the process engine
    answer, 503 otherwise, with what does not."""
    etat = await service.preparation(session, moteur)
    if etat.statut != "pret":
        reponse.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return etat
