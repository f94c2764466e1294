"""The scan for code words finds each kind of jargon the issue quotes, and lets proper French through."""

from __future__ import annotations

import pytest

from tests.support.lexique import mots_de_code, texte_lu

JARGON = [
    "<li>Verification carriere eir demandee</li>",
    "<p>carriere_verifiee : ce champ est obligatoire</p>",
    "<td>Moteur de processus COMPLETED</td>",
    "<span class='fr-badge'>CLOSE</span>",
    "<p>1 compte(s)</p>",
    "<p>Votre demande de EIG</p>",
    "<p>Montant : 33081.10 €</p>",
    "<button title='accuse_reception'>Voir</button>",
    "<p>Mails envoyés : 3</p>",
    "<p>Le mail de bienvenue est parti.</p>",
    "<p>Un e-mail vous a été envoyé.</p>",
]

FRANCAIS = (
    "<main><h1>Vérification de carrière demandée</h1><p>Votre demande d'EIG est enregistrée.</p>"
    "<p>Montant : 33 081,10 €, le 05/12/2026. 2 comptes. Écrivez à camille.martin@exemple.fr</p>"
    "<p>Courriels envoyés à mail@exemple.fr et à camille@mail.exemple.fr ; relais mail.exemple.fr ; Gmail.</p>"
    "<pre>Ouvrez la tâche : http://localhost:8000/taches/314?en_retard=true</pre>"
    "<script>const etat_fr = 'COMPLETED';</script><input name='date_fin' value='2026-01-01'>"
    "<a href='/agent/eir_1'>Retour</a><p>Votre demande est close.</p>"
    "<pre>Votre tâche : http://localhost:8000/taches/314</pre></main>"
)


@pytest.mark.parametrize("html", JARGON)
def test_chaque_jargon_est_signale(html):
    assert mots_de_code(html), html


def test_le_francais_passe_et_le_code_invisible_est_ignore():
    assert mots_de_code(FRANCAIS) == []
    assert "COMPLETED" not in texte_lu(FRANCAIS)


def test_un_fragment_admis_passe():
    assert mots_de_code("<p>Connecté : jean_dupont</p>", admis=("jean_dupont",)) == []
