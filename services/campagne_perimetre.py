"""Who is in a DAI campaign, as its manager decides (issue 24, deliverable 8): an agent or an employer excluded from
the campaign (and the exclusion lifted), or added when the selection missed it (a late affiliation). Each decision
is an event of the campaign's chained history, with who decided and why.

An exclusion is read where each step already reads who is eligible (``persistence.depots_campagne.couverte_par``):
from the moment it is decided, the excluded agent, or every agent of the excluded employer, gets no task, no line in
the collector's file and no document, and the open campaign tasks it covers are withdrawn (cancelled, not deleted).
Lifted, it gives its agents back their document at the next tranche, and their tasks before the cut-off. An added
agent goes through the steps still to come: a task before the cut-off, the collector's file if its batch is not yet
transmitted, the document at the next tranche."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.campagne import (
    CHAMPS_EXCLUSION,
    Cohorte,
    DecisionPerimetre,
    EtapeCampagne,
    MotifExclusion,
    TypePerimetre,
    cohortes,
    motif_exclusion,
)
from domain.erreurs import Conflit, Introuvable, Refus
from domain.etats import Acteur, Role
from domain.regles import parametre
from domain.saisie import Saisie
from domain.texte import TexteLibreMultiligne
from notifications.rendu import date_fr
from persistence import depots, depots_campagne
from persistence import perimetre_campagne as perimetre
from persistence.models import Affilie, Compte, Employeur
from persistence.models_campagne import CampagneTable, PerimetreCampagne
from services.acces import exiger_role, numero
from services.campagnes import campagne_de_l_annee
from services.champs import Nir, Siret

PARIS = ZoneInfo("Europe/Paris")
MOTIF_MAX = 500
# The steps where the employers update the CIR: a task may still be given (until the cut-off).
_MISE_A_JOUR = EtapeCampagne.mise_a_jour_employeurs.value
_POURQUOI_SANS_DOCUMENT = {
    MotifExclusion.deces: "son décès est enregistré",
    MotifExclusion.retraite: "sa pension est liquidée",
    MotifExclusion.radiation: "sa radiation des cadres est enregistrée",
}


class DemandePerimetre(Saisie):
    """Une exclusion ou un ajout : l'agent (par son NIR) ou l'employeur (par son SIRET), et pourquoi."""

    type: TypePerimetre = Field(description="agent ou employeur")
    nir: Nir | None = Field(default=None, max_length=21, description="NIR de l'agent (type agent)")
    siret: Siret | None = Field(default=None, max_length=20, description="SIRET de l'employeur (type employeur)")
    motif: TexteLibreMultiligne = Field(max_length=MOTIF_MAX, description="Pourquoi (consigné dans l'historique)")

    @field_validator("motif")
    @classmethod
    def _motif_donne(cls, motif: str) -> str:
        if not motif.strip():
            raise ValueError("indiquez pourquoi ; la raison est gardée dans l'historique de la campagne")
        return motif.strip()

    @model_validator(mode="after")
    def _qui(self) -> DemandePerimetre:
        if self.type is TypePerimetre.agent and (self.nir is None or self.siret is not None):
            raise ValueError("nir : pour un agent, indiquez son NIR (et pas de SIRET).")
        if self.type is TypePerimetre.employeur and (self.siret is None or self.nir is not None):
            raise ValueError("siret : pour un employeur, indiquez son SIRET (et pas de NIR).")
        return self


class AgentDuPerimetre(BaseModel):
    nir: str
    nom: str
    prenom: str
    cohorte: str
    age: int


class DecisionPublique(BaseModel):
    id: int
    decision: DecisionPerimetre = Field(description="exclusion ou ajout")
    type: TypePerimetre
    nir: str | None = None
    siret: str | None = None
    nom: str = Field(description="L'agent (prénom et nom) ou l'employeur (raison sociale)")
    motif: str
    decidee_le: datetime
    decidee_par: str | None = Field(default=None, description="Identifiant du superviseur")
    en_vigueur: bool = Field(description="Exclusion non levée (un ajout reste en vigueur)")
    levee_le: datetime | None = None
    levee_par: str | None = None
    motif_levee: str | None = None
    agents: list[AgentDuPerimetre] = Field(default_factory=list, description="Ajout : les agents qu'il a fait entrer")
    taches: int | None = Field(
        default=None,
        description="Tâches de campagne retirées (exclusion), rouvertes (levée) ou créées (ajout) par cette action",
    )


class Perimetre(BaseModel):
    exclusions: list[DecisionPublique]
    ajouts: list[DecisionPublique]


# --- use cases ---


async def exclure(session: AsyncSession, compte: Compte, annee: int, demande: DemandePerimetre) -> DecisionPublique:
    """``POST /campagnes/{annee}/exclusions``: the agent or the employer gets nothing more from the campaign; its
    open campaign tasks are withdrawn."""
    exiger_role(compte, Role.superviseur)
    campagne = await _modifiable(session, annee)
    affilie, employeur = await _designe(session, demande)
    if affilie is not None and not await perimetre.cohortes_de_l_agent(session, numero(campagne), numero(affilie)):
        raise Refus(
            f"nir : {_nom(affilie)} n'est pas dans la campagne {annee} (aucune cohorte ne l'a retenu) : il n'y a rien "
            "à exclure. Vérifiez le NIR.",
            "nir",
            "hors_campagne",
        )
    if (
        employeur is not None
        and await perimetre.lot_de_l_employeur(session, numero(campagne), numero(employeur)) is None
    ):
        raise Refus(
            f"siret : {employeur.raison_sociale} n'a aucun agent dans la campagne {annee} : il n'y a rien à exclure. "
            "Vérifiez le SIRET.",
            "siret",
            "hors_campagne",
        )
    maintenant = datetime.now(UTC)
    exclusion = await _decider(session, compte, campagne, DecisionPerimetre.exclusion, demande, affilie, employeur)
    retirees = await perimetre.retirer_taches(session, campagne, numero(exclusion), demande.motif, maintenant)
    await _consigner(session, compte, campagne, "exclusion_decidee", exclusion, maintenant, taches_retirees=retirees)
    return await _apres_commit(session, campagne, exclusion, retirees)


async def lever(session: AsyncSession, compte: Compte, annee: int, exclusion_id: int, motif: str) -> DecisionPublique:
    """``DELETE /campagnes/{annee}/exclusions/{id}``: the agents it covered are in the campaign again (the next
    tranche produces their documents; before the cut-off, the tasks it withdrew are open again)."""
    exiger_role(compte, Role.superviseur)
    campagne = await _modifiable(session, annee)
    if not (motif := (motif or "").strip()):
        raise Refus(
            "motif : indiquez pourquoi l'exclusion est levée ; la raison est gardée dans l'historique de la campagne.",
            "motif",
            "obligatoire",
        )
    if len(motif) > MOTIF_MAX:
        raise Refus(f"motif : au plus {MOTIF_MAX} caractères.", "motif", "string_too_long")
    maintenant = datetime.now(UTC)
    if not await perimetre.lever(session, numero(campagne), exclusion_id, compte.id, motif, maintenant):
        deja = await perimetre.decisions(session, numero(campagne), [exclusion_id])
        if not deja or deja[0]["decision"] != DecisionPerimetre.exclusion.value:
            raise Introuvable(f"Aucune exclusion n° {exclusion_id} dans la campagne {annee}.")
        levee = await _publique(session, campagne, deja[0])
        raise Conflit(
            f"L'exclusion n° {exclusion_id} est déjà levée, depuis le {date_fr(levee.levee_le)} : {levee.nom} est de "
            "nouveau dans la campagne."
        )
    reintegres = await perimetre.reintegrer(session, numero(campagne), exclusion_id)
    rouvertes = (
        await perimetre.rouvrir_taches(session, campagne, exclusion_id) if _avant_la_date_limite(campagne) else 0
    )
    exclusion = await session.get(PerimetreCampagne, exclusion_id)
    if exclusion is None:  # lifted above, in this transaction
        raise Introuvable(f"Aucune exclusion n° {exclusion_id} dans la campagne {annee}.")
    await _consigner(
        session,
        compte,
        campagne,
        "exclusion_levee",
        exclusion,
        maintenant,
        motif=motif,
        agents_reintegres=reintegres,
        taches_rouvertes=rouvertes,
    )
    return await _apres_commit(session, campagne, exclusion, rouvertes)


async def ajouter(session: AsyncSession, compte: Compte, annee: int, demande: DemandePerimetre) -> DecisionPublique:
    """``POST /campagnes/{annee}/ajouts``: the selection's rules run again today for the agent (or the employer's
    agents) the selection missed; they go through the steps still to come."""
    exiger_role(compte, Role.superviseur)
    campagne = await _modifiable(session, annee)
    affilie, employeur = await _designe(session, demande)
    aujourd_hui = datetime.now(PARIS).date()
    campagne_id = numero(campagne)
    if affilie is not None:
        await _agent_ajoutable(session, campagne, affilie, aujourd_hui)
        employeur_id = affilie.employeur_id
    else:
        assert employeur is not None  # the request names one or the other (DemandePerimetre)
        employeur_id = numero(employeur)
        if await perimetre.lot_de_l_employeur(session, campagne_id, employeur_id) is not None:
            raise Conflit(
                f"siret : {employeur.raison_sociale} est déjà dans la campagne {annee}. Pour un de ses agents que la "
                "sélection n'a pas retenu, ajoutez l'agent (type « agent », son NIR).",
                "siret",
                "deja_dans_la_campagne",
            )
    if await perimetre.exclu_en_vigueur(session, campagne_id, affilie.id if affilie else None, employeur_id):
        raise Conflit(
            f"{_champ(demande)} : {_qui(affilie, employeur)}, ou son employeur, est exclu de la campagne {annee} : "
            "levez d'abord l'exclusion.",
            _champ(demande),
            "exclu",
        )
    lot = await perimetre.lot_de_l_employeur(session, campagne_id, employeur_id or 0)
    if lot is None:
        lot = await perimetre.premier_lot(session, campagne_id)
    if lot is None:
        raise Conflit(
            f"La campagne {annee} n'a retenu aucun employeur : elle n'a pas de lot où faire entrer un agent.",
        )
    maintenant = datetime.now(UTC)
    ajout = await _decider(session, compte, campagne, DecisionPerimetre.ajout, demande, affilie, employeur)
    ajoutes = await depots_campagne.ajouter_cibles(
        session,
        campagne_id,
        cohortes(annee),
        parametre("ris", "jours_par_trimestre", date(annee, 7, 1)).valeur,
        depots_campagne.Ajout(
            numero(ajout), lot, aujourd_hui, affilie.id if affilie else None, None if affilie else employeur_id
        ),
    )
    if not ajoutes:
        refus = Refus(_hors_cohortes(annee, affilie, employeur), _champ(demande), "hors_cohortes")
        await session.rollback()  # the decision with it: nothing was added
        raise refus
    taches = 0
    if _avant_la_date_limite(campagne):
        employeurs = await perimetre.employeurs_a_solliciter(session, campagne_id, numero(ajout))
        if employeurs:
            await depots_campagne.creer_taches(
                session,
                campagne_id,
                campagne.workflow_id,
                str(annee),
                employeurs,
                _date_limite(campagne),
                maintenant,
                ajout_id=numero(ajout),
            )
        taches = await perimetre.taches_de_l_ajout(session, campagne, numero(ajout))
    await _consigner(
        session, compte, campagne, "ajout_decide", ajout, maintenant, agents_ajoutes=ajoutes, taches_creees=taches
    )
    return await _apres_commit(session, campagne, ajout, taches)


async def perimetre_de(session: AsyncSession, campagne: CampagneTable) -> Perimetre:
    """The campaign's exclusions (those in force first) and additions (with the agents each brought in)."""
    decisions = [
        await _publique(session, campagne, ligne) for ligne in await perimetre.decisions(session, numero(campagne))
    ]
    exclusions = [d for d in decisions if d.decision is DecisionPerimetre.exclusion]
    return Perimetre(
        exclusions=sorted(exclusions, key=lambda d: not d.en_vigueur),
        ajouts=[d for d in decisions if d.decision is DecisionPerimetre.ajout],
    )


async def consulter(session: AsyncSession, annee: int) -> Perimetre:
    return await perimetre_de(session, await campagne_de_l_annee(session, annee, False))


# --- helpers ---


async def _modifiable(session: AsyncSession, annee: int) -> CampagneTable:
    """The campaign N (not a dry run) whose agents are selected and whose documents are not all sent."""
    campagne = await campagne_de_l_annee(session, annee, False)
    if campagne.etape in (EtapeCampagne.planifiee.value, EtapeCampagne.selection.value):
        lancement = campagne.calendrier.get("lancement")
        quand = f", le {date_fr(lancement)}" if lancement else ""
        raise Conflit(
            f"La campagne {annee} n'a pas encore sélectionné ses agents (sélection au lancement{quand}) : on ne peut "
            "en exclure ou y ajouter quelqu'un qu'ensuite. Réessayez après la sélection."
        )
    if campagne.etape == EtapeCampagne.terminee.value:
        raise Conflit(
            f"La campagne {annee} est terminée : ses documents sont envoyés ; on ne peut plus en exclure ni y ajouter "
            "personne."
        )
    return campagne


async def _designe(session: AsyncSession, demande: DemandePerimetre) -> tuple[Affilie | None, Employeur | None]:
    """The agent or the employer the request names (422 on its field when unknown)."""
    if demande.type is TypePerimetre.agent:
        affilie = await depots.affilie_par_nir(session, demande.nir or "")
        if affilie is None:
            raise Refus("nir : aucun agent de ce NIR n'est affilié à la CNRACL ; vérifiez le numéro.", "nir", "inconnu")
        return affilie, None
    employeur = await depots.employeur_par_siret(session, demande.siret or "")
    if employeur is None:
        raise Refus(
            "siret : aucun employeur de ce SIRET n'est connu de la CNRACL ; vérifiez le numéro.", "siret", "inconnu"
        )
    return None, employeur


async def _agent_ajoutable(session: AsyncSession, campagne: CampagneTable, affilie: Affilie, le: date) -> None:
    """An agent the selection may retain today: not yet in the campaign, with a CNRACL employer, eligible."""
    annee = campagne.annee
    deja = await perimetre.cohortes_de_l_agent(session, numero(campagne), numero(affilie))
    if deja:
        documents = ", ".join(_DOCUMENTS.get(c, c) for c in deja)
        raise Conflit(
            f"nir : {_nom(affilie)} est déjà dans la campagne {annee} ({documents}) : il n'y a rien à ajouter.",
            "nir",
            "deja_dans_la_campagne",
        )
    if affilie.employeur_id is None:
        raise Refus(
            f"nir : {_nom(affilie)} n'a pas d'employeur CNRACL connu : la campagne ne s'adresse qu'aux agents en "
            "activité (les données d'un ancien affilié partent au GIP Info Retraite avec celles des anciens "
            "affiliés). Si son affiliation est en cours, ajoutez-le une fois son employeur enregistré.",
            "nir",
            "sans_employeur",
        )
    motif = motif_exclusion({champ: getattr(affilie, champ) for champ in CHAMPS_EXCLUSION.values()}, le)
    if motif is not None:
        raise Refus(
            f"nir : {_nom(affilie)} ne peut pas recevoir de document : {_POURQUOI_SANS_DOCUMENT[motif]}.",
            "nir",
            "non_eligible",
        )


_DOCUMENTS = {
    Cohorte.ris.value: "relevé individuel de situation",
    Cohorte.eig.value: "estimation indicative globale",
    Cohorte.information_generale.value: "information générale",
}


def _hors_cohortes(annee: int, affilie: Affilie | None, employeur: Employeur | None) -> str:
    c = cohortes(annee)
    regle = (
        f"les relevés vont aux agents de {', '.join(map(str, c.ages_ris))} ans en {c.annee_envoi}, les estimations à "
        f"ceux de {', '.join(map(str, c.ages_eig))} ans, l'information générale aux agents qui ont validé leurs "
        f"premiers trimestres en {annee}"
    )
    if affilie is not None:
        age = c.annee_envoi - affilie.date_de_naissance.year
        return (
            f"nir : {_nom(affilie)} n'entre dans aucune cohorte de la campagne {annee} ({age} ans en {c.annee_envoi}) : "
            f"{regle}. Rien n'est ajouté."
        )
    nom = employeur.raison_sociale if employeur else ""
    return (
        f"siret : aucun agent de {nom} n'entre dans les cohortes de la campagne {annee} (ou ils n'ont pas de document "
        f"à recevoir) : {regle}. Rien n'est ajouté."
    )


async def _decider(
    session: AsyncSession,
    compte: Compte,
    campagne: CampagneTable,
    decision: DecisionPerimetre,
    demande: DemandePerimetre,
    affilie: Affilie | None,
    employeur: Employeur | None,
) -> PerimetreCampagne:
    """The decision stored once; the same decision already in force is a conflict, whoever asked it first (two
    identical requests at once: one is stored, the other is told)."""
    designe = affilie or employeur
    assert designe is not None  # the request names one or the other (DemandePerimetre)
    ligne, creee = await perimetre.decider(
        session,
        PerimetreCampagne(
            cle=perimetre.cle(numero(campagne), decision, demande.type, numero(designe)),
            campagne_id=numero(campagne),
            decision=decision.value,
            type=demande.type.value,
            affilie_id=affilie.id if affilie else None,
            employeur_id=employeur.id if employeur else None,
            motif=demande.motif,
            compte_id=compte.id,
            decidee_le=datetime.now(UTC),
        ),
    )
    if not creee:
        quoi = "exclu de" if decision is DecisionPerimetre.exclusion else "ajouté à"
        suite = (
            f" : levez d'abord cette exclusion (n° {ligne.id}) pour en décider une autre"
            if decision is DecisionPerimetre.exclusion
            else ""
        )
        raise Conflit(
            f"{_champ(demande)} : {_qui(affilie, employeur)} est déjà {quoi} la campagne {campagne.annee} depuis le "
            f"{date_fr(ligne.decidee_le)} (motif : « {ligne.motif} »){suite}.",
            _champ(demande),
            "deja_decide",
        )
    return ligne


async def _consigner(
    session: AsyncSession,
    compte: Compte,
    campagne: CampagneTable,
    evenement: str,
    decision: PerimetreCampagne,
    horodatage: datetime,
    motif: str | None = None,
    **effets: int,
) -> None:
    """The decision in the campaign's chained history: who, why, and what it changed."""
    await depots.ajouter_evenement(
        session,
        campagne.workflow_id,
        evenement,
        Acteur.superviseur.value,
        horodatage,
        compte.id,
        {
            f"{decision.decision}_id": decision.id,
            "type": decision.type,
            "affilie_id": decision.affilie_id,
            "employeur_id": decision.employeur_id,
            "motif": motif or decision.motif,
            **effets,
        },
    )


async def _apres_commit(
    session: AsyncSession, campagne: CampagneTable, decision: PerimetreCampagne, taches: int
) -> DecisionPublique:
    await session.commit()
    (ligne,) = await perimetre.decisions(session, numero(campagne), [numero(decision)])
    publique = await _publique(session, campagne, ligne)
    publique.taches = taches
    return publique


async def _publique(session: AsyncSession, campagne: CampagneTable, ligne: dict[str, Any]) -> DecisionPublique:
    agents = (
        await perimetre.agents_ajoutes(session, numero(campagne), ligne["id"])
        if ligne["decision"] == DecisionPerimetre.ajout.value
        else []
    )
    return DecisionPublique(
        id=ligne["id"],
        decision=ligne["decision"],
        type=ligne["type"],
        nir=ligne["nir"],
        siret=ligne["siret"],
        nom=f"{ligne['prenom']} {ligne['nom']}" if ligne["nir"] else ligne["raison_sociale"] or "",
        motif=ligne["motif"],
        decidee_le=_instant(ligne["decidee_le"]),
        decidee_par=ligne["decidee_par"],
        en_vigueur=ligne["levee_le"] is None,
        levee_le=_instant(ligne["levee_le"]) if ligne["levee_le"] is not None else None,
        levee_par=ligne["levee_par"],
        motif_levee=ligne["motif_levee"],
        agents=[AgentDuPerimetre.model_validate(agent) for agent in agents],
    )


def _instant(valeur: datetime | str) -> datetime:
    """A timestamp read by raw SQL: naive UTC text on SQLite."""
    if isinstance(valeur, str):
        valeur = datetime.fromisoformat(valeur)
    return valeur if valeur.tzinfo else valeur.replace(tzinfo=UTC)


def _avant_la_date_limite(campagne: CampagneTable) -> bool:
    """The employers still update the CIR: the campaign is at that step and its cut-off is ahead."""
    return campagne.etape == _MISE_A_JOUR and datetime.now(UTC) < _date_limite(campagne)


def _date_limite(campagne: CampagneTable) -> datetime:
    return _instant(campagne.calendrier["date_limite"])


def _nom(affilie: Affilie) -> str:
    return f"{affilie.prenom} {affilie.nom}"


def _qui(affilie: Affilie | None, employeur: Employeur | None) -> str:
    return _nom(affilie) if affilie is not None else employeur.raison_sociale if employeur else ""


def _champ(demande: DemandePerimetre) -> str:
    return "nir" if demande.type is TypePerimetre.agent else "siret"
