"""Reading a delivery status notification (RFC 3464): which mail came back, to whom, and why in French; what is not
one, or reports no failure, is refused in French, never a traceback. The outbox keys lead back to the agent or the
employer; an employer's incident says who, why, what it missed and what to do; the processed bounces recorded before
employers' mails were taken read the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.campagne import (
    Livraison,
    MailDAgent,
    cle_mail_document,
    cle_mail_employeur,
    cle_mail_renvoi,
    mail_d_agent,
    mail_d_employeur,
)
from domain.campagne_rebonds import (
    MOTIF_INCIDENT_MAX,
    DestinataireRebond,
    RebondTraite,
    ResultatRebonds,
    destinataire_du_mail,
    id_workflow_rebonds,
    lire_avis,
    motif_du_statut,
    motif_incident_rebond_employeur,
    normaliser_message_id,
    refus_courriel_des_superviseurs,
)
from domain.erreurs import Refus
from tests.support.avis import avis_de_non_remise

ADRESSE = "emma@agents.example.fr"
MESSAGE_ID = "<3f2a9c@cnracl.example.fr>"


@pytest.mark.parametrize("forme", ["entetes", "message", "champ"])
def test_le_courriel_revenu_son_destinataire_et_pourquoi(forme):
    (lu,) = lire_avis(avis_de_non_remise(ADRESSE, MESSAGE_ID, forme))
    assert (lu.message_id, lu.destinataire) == (MESSAGE_ID, ADRESSE)
    assert lu.motif == (
        "Avis de non-remise du serveur de messagerie : adresse électronique inconnue du serveur du destinataire "
        "(statut 5.1.1)."
    )
    # the notification's own Message-ID is not the returned mail's
    assert lire_avis(avis_de_non_remise(ADRESSE, MESSAGE_ID, forme).decode())[0].message_id == MESSAGE_ID


def test_sans_message_id_le_destinataire_seul():
    (lu,) = lire_avis(avis_de_non_remise(ADRESSE, None, "sans_courriel", statut="5.2.2"))
    assert lu.message_id is None and lu.destinataire == ADRESSE
    assert "boîte aux lettres du destinataire pleine (statut 5.2.2)" in lu.motif


@pytest.mark.parametrize(
    ("brut", "regle", "phrase"),
    [
        (b"Bonjour, ceci n'est pas un avis.", "format", "n'est pas un avis de non-remise (RFC 3464"),
        (b"\xff\xfe\x00garbage", "format", "n'est pas un avis de non-remise"),
        (b"", "format", "n'est pas un avis de non-remise"),
        (avis_de_non_remise(ADRESSE, MESSAGE_ID, action="delayed"), "sans_echec", "ne signale aucun échec de remise"),
    ],
)
def test_ce_qui_n_est_pas_un_rebond_est_refuse_en_francais(brut, regle, phrase):
    with pytest.raises(Refus) as refus:
        lire_avis(brut, "le fichier avis.eml")
    assert refus.value.erreurs[0].champ == "avis_de_non_remise" and refus.value.erreurs[0].regle == regle
    assert phrase in refus.value.message and "le fichier avis.eml" in refus.value.message


def test_motifs_des_statuts():
    assert "acheminement impossible" in motif_du_statut("4.4.7")
    assert "sécurité ou filtrage" in motif_du_statut("5.7.1")
    assert motif_du_statut(None) == "Avis de non-remise du serveur de messagerie."


def test_message_id_avec_ou_sans_chevrons():
    assert normaliser_message_id(" 3f2a9c@cnracl.example.fr ") == normaliser_message_id(MESSAGE_ID) == MESSAGE_ID
    assert normaliser_message_id("pas un identifiant") is None
    assert normaliser_message_id("<a@b@c>") is None
    # the same bounces, in any order, are one process
    assert id_workflow_rebonds(2027, ["<b@x>", "<a@x>"]) == id_workflow_rebonds(2027, ["<a@x>", "<b@x>", "<a@x>"])


def test_les_cles_de_la_boite_d_envoi_menent_a_l_agent():
    campagne = "campagne-dai-2027"
    assert mail_d_agent(campagne, cle_mail_document(campagne, "ris", 12)) == MailDAgent(cohorte="ris", affilie_id=12)
    assert mail_d_agent(campagne, cle_mail_renvoi(campagne, 99)) == MailDAgent(document_remplace_id=99)
    assert mail_d_agent(campagne, cle_mail_document("campagne-dai-2026", "ris", 12)) is None
    assert mail_d_agent(campagne, f"{campagne}:lancement:employeur-3") is None


def test_les_cles_de_la_boite_d_envoi_menent_a_l_employeur():
    campagne = "campagne-dai-2027"
    # the keys the campaign's activities write: the launch, a reminder, the reminder before an employer's own
    # deadline, the one after the cut-off
    cles = [
        f"{campagne}:lancement:employeur-3",
        f"{campagne}:rappel-2:employeur-3",
        f"{campagne}:rappel-delai-2027-10-20:employeur-3",
        f"{campagne}:relance-apres-limite:employeur-3",
    ]
    assert cles[0] == cle_mail_employeur(campagne, "lancement", 3)
    assert [mail_d_employeur(campagne, cle) for cle in cles] == [3, 3, 3, 3]
    assert [destinataire_du_mail(campagne, cle) for cle in cles] == [DestinataireRebond.employeur] * 4
    assert mail_d_employeur(campagne, f"{campagne}:lancement:employeur-31") == 31
    # not an employer's: an agent's, the supervisors', another campaign's or its dry run's
    autres = [
        cle_mail_document(campagne, "ris", 12),
        cle_mail_renvoi(campagne, 99),
        f"{campagne}:retardataires:superviseur",
        cle_mail_employeur("campagne-dai-2026", "lancement", 3),
        cle_mail_employeur(f"{campagne}-simulation", "lancement", 3),
    ]
    assert [mail_d_employeur(campagne, cle) for cle in autres] == [None] * 5
    assert [destinataire_du_mail(campagne, cle) for cle in autres] == [DestinataireRebond.agent] * 2 + [None] * 3


def test_le_courriel_des_superviseurs_est_refuse_en_disant_quoi_faire():
    refus = refus_courriel_des_superviseurs("<a@cnracl.fr>")
    assert "le courriel <a@cnracl.fr> était adressé aux superviseurs" in refus
    assert "ni à un agent ni à un employeur" in refus and "CNRACL_MAIL_SUPERVISEURS" in refus


@pytest.mark.parametrize(
    ("evenement", "manque"),
    [
        ("campagne_lancement_employeur", "pas reçu l'annonce de la campagne"),
        ("campagne_rappel_employeur", "pas reçu le rappel"),
        ("campagne_relance_apres_limite", "pas reçu la relance après la date limite"),
        ("autre", "pas reçu un courriel de la campagne"),
    ],
)
def test_l_incident_d_un_employeur_dit_qui_pourquoi_ce_qu_il_a_manque_et_quoi_faire(evenement, manque):
    motif = motif_incident_rebond_employeur("Mairie de Talence", evenement, "Boîte aux lettres inconnue.")
    assert motif.startswith(
        "Le courriel envoyé à l'employeur Mairie de Talence est revenu après son envoi : « Boîte aux lettres inconnue »."
    )
    assert manque in motif and motif.endswith("Corrigez son adresse électronique et prévenez-le.")


def test_l_incident_d_un_employeur_tient_dans_sa_colonne():
    """A long name and the longest reason a bounce takes: the reason is shortened, what to do is kept."""
    motif = motif_incident_rebond_employeur("É" * 200, "campagne_relance_apres_limite", "x" * 300)
    assert len(motif) <= MOTIF_INCIDENT_MAX
    assert "x…" in motif and "É" * 200 in motif and motif.endswith("Corrigez son adresse électronique et prévenez-le.")
    court = motif_incident_rebond_employeur("Mairie", "campagne_lancement_employeur", "x" * 100)
    assert "…" not in court and "x" * 100 in court


def test_un_rebond_traite_enregistre_avant_les_employeurs_se_relit():
    """The result of a bounces' process recorded in a history before the employers' mails were taken (no
    ``destinataire``, no ``employeur_id``): an agent's, read the same, so that the history still replays."""
    ancien = {
        "rebonds": [
            {
                "message_id": "<a@x>",
                "document_id": 7,
                "livraison": "papier_apres_rebond",
                "tranche": 3,
                "deja_signale": False,
            }
        ]
    }
    convertisseur = pydantic_data_converter.payload_converter  # the worker's and the client's
    (lu,) = convertisseur.from_payloads(convertisseur.to_payloads([ancien]), [ResultatRebonds])
    assert lu == ResultatRebonds(
        [RebondTraite("<a@x>", False, DestinataireRebond.agent, 7, Livraison.papier_apres_rebond, 3, None)]
    )


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    debut=st.sampled_from([b"", avis_de_non_remise(ADRESSE, MESSAGE_ID)[:400], avis_de_non_remise(ADRESSE, None)]),
    bruit=st.binary(max_size=400),
)
def test_n_importe_quel_texte_un_rebond_ou_un_refus_jamais_une_autre_erreur(debut, bruit):
    try:
        lus = lire_avis(debut + bruit)
    except Refus as refus:
        assert refus.message.startswith("avis_de_non_remise : l'avis ")
    else:
        assert all(lu.message_id or lu.destinataire for lu in lus)
