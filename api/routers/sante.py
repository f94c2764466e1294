from fastapi import APIRouter

router = APIRouter(tags=["santé"])


@router.get("/sante")
async def sante() -> dict[str, str]:
    """Answers without authentication: the API process is up."""
    return {"statut": "ok"}
