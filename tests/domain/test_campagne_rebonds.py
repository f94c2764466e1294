"""Reading a delivery status notification (RFC 3464): which mail came back, to whom, and why in French; what is not
one, or reports no failure, is refused in French, never a traceback. The outbox keys lead back to the agent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.campagne import MailDAgent, cle_mail_document, cle_mail_renvoi, mail_d_agent
from domain.campagne_rebonds import id_workflow_rebonds, lire_avis, motif_du_statut, normaliser_message_id
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
