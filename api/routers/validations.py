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


routes_de_consultation(
    router,
    DossierPublic,
    "dossier_id",
    validations.lister,
    validations.consulter,
    resume_liste="Lister les dossiers de validation de services",
    description_liste="Les dossiers de validation de services de l'agent lui-même (un superviseur : ceux de tous les "
    "agents).",
    resume_fiche="Consulter un dossier de validation de services",
    description_fiche="Un dossier de validation de services et son état : son agent ou un superviseur.",
)


route_d_action(
    router,
    "post",
    "/{dossier_id}/demande",
    validations.demander,
    vue=DossierPublic,
    role=CompteCourant,
    corps=CorpsDemandeValidation,
    corps_facultatif=True,
    resume="Demander la validation de services",
    description="L'agent demande la validation de ses services (avant la date limite), en nommant s'il le souhaite "
    "les périodes et les employeurs (SIRET) où ils ont été accomplis.",
)
route_d_action(
    router,
    "post",
    "/{dossier_id}/demande-recue",
    validations.enregistrer_demande,
    vue=DossierPublic,
    role=Superviseur,
    corps=DemandeRecueValidation,
    resume="Enregistrer une demande reçue hors du service",
    description="Un superviseur enregistre une demande faite hors du service (auprès de l'employeur, dossier papier) "
    "avec la date à laquelle elle a réellement été faite et la référence de sa preuve.",
)
route_d_action(
    router,
    "post",
    "/{dossier_id}/decision",
    validations.decider,
    vue=DossierPublic,
    role=Superviseur,
    corps=DecisionValidation,
    resume="Décider de la validation de services",
    description="La décision de la caisse sur la validation des services (superviseurs), une fois reçus les "
    "certificats des employeurs.",
)
