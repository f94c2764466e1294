"""Where a manager's two controls meet, in the rows the campaign's steps read: an agent added to the campaign for an
employer whose deadline was extended gets a task due at that employer's own date, not the campaign's cut-off; an
exclusion in force covers an agent by his own decision or by his employer's (what the re-send of a document asks
before re-producing it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from domain.campagne import DecisionPerimetre, TypePerimetre
from persistence import depots_campagne, perimetre_campagne
from persistence.db import transaction
from persistence.models import Tache
from persistence.models_campagne import (
    AgentEmployeurCampagne,
    CampagneTable,
    CibleCampagne,
    EmployeurCampagne,
    PerimetreCampagne,
)
from tests.support.fabriques import population

LIMITE = datetime(2026, 11, 27, 7, tzinfo=UTC)
PROLONGEE = datetime(2026, 12, 11, 7, tzinfo=UTC)


async def test_un_ajout_chez_un_employeur_au_delai_prolonge_et_les_exclusions(url_base):
    from persistence.db import creer_moteur, fabrique_sessions

    moteur = creer_moteur(url_base)
    sessions = fabrique_sessions(moteur)
    pop = await population(sessions)
    maintenant = datetime(2026, 7, 1, 6, tzinfo=UTC)
    async with transaction(sessions) as session:
        campagne = CampagneTable(
            workflow_id="campagne-dai-2026",
            annee=2026,
            annee_envoi=2027,
            etape="selection",
            creee_le=maintenant,
            modifiee_le=maintenant,
        )
        session.add(campagne)
        await session.flush()
        assert campagne.id is not None and pop.employeur.id and pop.autre_employeur.id
        # The commune's deadline extended; the hospital keeps the campaign's.
        session.add(
            EmployeurCampagne(campagne_id=campagne.id, employeur_id=pop.employeur.id, lot=0, date_limite=PROLONGEE)
        )
        session.add(EmployeurCampagne(campagne_id=campagne.id, employeur_id=pop.autre_employeur.id, lot=0))
        for affilie, employeur in ((pop.affilie, pop.employeur), (pop.collegue, pop.autre_employeur)):
            assert affilie.id is not None and employeur.id is not None
            session.add(
                CibleCampagne(
                    campagne_id=campagne.id,
                    affilie_id=affilie.id,
                    employeur_id=employeur.id,
                    cohorte="eig_60",
                    age=58,
                    lot=0,
                    tranche=0,
                    a_mettre_a_jour=True,
                )
            )
            session.add(
                AgentEmployeurCampagne(
                    campagne_id=campagne.id, affilie_id=affilie.id, employeur_id=employeur.id, a_mettre_a_jour=True
                )
            )
    async with transaction(sessions) as session:
        await depots_campagne.creer_taches(
            session,
            campagne.id,
            campagne.workflow_id,
            "2026",
            [pop.employeur.id, pop.autre_employeur.id],
            LIMITE,
            maintenant,
        )
    async with sessions() as session:
        echeances = {t.employeur_id: t.echeance for t in (await session.exec(select(Tache))).all()}
    assert echeances == {pop.employeur.id: PROLONGEE, pop.autre_employeur.id: LIMITE}

    # An exclusion of the hospital covers its agent; the commune's agent is covered by none, then by his own.
    async with transaction(sessions) as session:
        for numero, (type_, affilie_id, employeur_id) in enumerate(
            ((TypePerimetre.employeur, None, pop.autre_employeur.id), (TypePerimetre.agent, pop.affilie.id, None))
        ):
            if numero == 1:
                assert not await perimetre_campagne.exclu_en_vigueur(
                    session, campagne.id, pop.affilie.id, pop.employeur.id
                )
            await perimetre_campagne.decider(
                session,
                PerimetreCampagne(
                    cle=perimetre_campagne.cle(
                        campagne.id, DecisionPerimetre.exclusion, type_, affilie_id or employeur_id
                    ),
                    campagne_id=campagne.id,
                    decision=DecisionPerimetre.exclusion.value,
                    type=type_.value,
                    affilie_id=affilie_id,
                    employeur_id=employeur_id,
                    motif="Contrôle",
                    decidee_le=maintenant + timedelta(days=1),
                ),
            )
            await session.flush()
        assert await perimetre_campagne.exclu_en_vigueur(session, campagne.id, pop.collegue.id, pop.autre_employeur.id)
        assert await perimetre_campagne.exclu_en_vigueur(session, campagne.id, pop.affilie.id, pop.employeur.id)
    await moteur.dispose()
