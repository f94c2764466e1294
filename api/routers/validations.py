"""Validation-of-services dossiers: the agent asks before the deadline; a supervisor decides."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CompteCourant, Superviseur
from api.routers.actions import route_d_action
from api.routers.consultation import routes_de_consultation
from domain.validation import CorpsDemandeValidation, DecisionValidation, DemandeRecueValidation
from services import validations
from services.validations import DossierPublic

router = APIRouter(prefix="/validations", tags=["validation de services"])


routes_de_consultation(router, DossierPublic, "dossier_id", validations.lister, validations.consulter)


route_d_action(
    router,
    "post",
    "/{dossier_id}/demande",
    validations.demander,
    vue=DossierPublic,
    role=CompteCourant,
    corps=CorpsDemandeValidation,
    corps_facultatif=True,
    description="The agent asks the validation of their services (before the deadline), optionally naming the "
    "periods and the employers (SIRET) where they were done.",
)
route_d_action(
    router,
    "post",
    "/{dossier_id}/demande-recue",
    validations.enregistrer_demande,
    vue=DossierPublic,
    role=Superviseur,
    corps=DemandeRecueValidation,
    description="A supervisor records a request made outside the service (to the employer, a paper dossier) with "
    "the date it was really made and its proof reference.",
)
route_d_action(
    router,
    "post",
    "/{dossier_id}/decision",
    validations.decider,
    vue=DossierPublic,
    role=Superviseur,
    corps=DecisionValidation,
    description="The fund's decision on the validation of services, once the employer's certificates are in.",
)
