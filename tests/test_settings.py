import base64
from datetime import timedelta

import pytest
from pydantic import ValidationError

from settings import Settings, cles_du_codec


def test_delais_iso_8601_depuis_l_environnement(monkeypatch, tmp_path):
    monkeypatch.setenv("CNRACL_EIR_DELAI_NOTIFICATION_EMPLOYEUR", "PT30S")
    monkeypatch.setenv("CNRACL_EIR_DELAI_ENQUETE", "P3W")
    settings = Settings(var_dir=tmp_path)
    assert settings.eir_delai_notification_employeur == timedelta(seconds=30)
    assert settings.eir_delai_enquete == timedelta(weeks=3)
    assert settings.relance_employeur == timedelta(days=10) and settings.escalade_superviseur == timedelta(days=20)


def test_production_refuse_les_secrets_absents():
    with pytest.raises(ValidationError, match="CNRACL_SECRET_KEY"):
        Settings(
            mode="production", database_url="postgresql+asyncpg://x/y", temporal_address="t:7233", smtp_host="smtp"
        )


def test_l_escalade_suit_la_relance():
    with pytest.raises(ValidationError, match="ESCALADE"):
        Settings(relance_employeur=timedelta(days=10), escalade_superviseur=timedelta(days=5))


def test_demo_garde_sa_cle_entre_deux_demarrages(tmp_path):
    premiere = Settings(var_dir=tmp_path).cle_secrete()
    assert len(premiere) >= 32 and Settings(var_dir=tmp_path).cle_secrete() == premiere


def test_une_adresse_vide_designe_le_composant_embarque(tmp_path):
    embarques = Settings(var_dir=tmp_path)
    assert embarques.temporal_embarque and embarques.smtp_embarque
    assert (embarques.database_url, embarques.temporal_address, embarques.smtp_host) == (
        f"sqlite+aiosqlite:///{tmp_path / 'cnracl.db'}",
        "127.0.0.1:7233",
        "127.0.0.1",
    )
    donnes = Settings(var_dir=tmp_path, temporal_address="temporal:7233", smtp_host="relais")
    assert not donnes.temporal_embarque and not donnes.smtp_embarque
    assert (donnes.temporal_address, donnes.smtp_host) == ("temporal:7233", "relais")


def test_bords_par_defaut_et_proxies_de_confiance(monkeypatch):
    par_defaut = Settings()
    assert par_defaut.taille_max_requete == 1_048_576 and par_defaut.proxies_de_confiance == []
    monkeypatch.setenv("CNRACL_PROXIES_DE_CONFIANCE", "10.0.0.0/8, 192.0.2.7,::1")
    monkeypatch.setenv("CNRACL_TAILLE_MAX_REQUETE", "2048")
    lus = Settings()
    assert [str(r) for r in lus.proxies_de_confiance] == ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]
    assert lus.taille_max_requete == 2048
    monkeypatch.setenv("CNRACL_PROXIES_DE_CONFIANCE", "10.0.0.0/8,proxy.interne")
    with pytest.raises(ValidationError, match=r"« proxy\.interne » n'est ni une adresse IP ni un réseau"):
        Settings()


def test_une_connexion_securisee_incoherente_est_refusee_en_nommant_les_reglages(tmp_path):
    pem = tmp_path / "client.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    cluster = {"var_dir": tmp_path, "temporal_address": "temporal.interne:7233"}
    with pytest.raises(ValidationError, match="CNRACL_TEMPORAL_TLS_CERT et CNRACL_TEMPORAL_TLS_CLE vont ensemble"):
        Settings(**cluster, temporal_tls_cert=str(pem))
    with pytest.raises(ValidationError, match="CNRACL_TEMPORAL_TLS_CERT et CNRACL_TEMPORAL_TLS_CLE vont ensemble"):
        Settings(**cluster, temporal_tls_cle=str(pem))
    with pytest.raises(ValidationError, match="choisissez-en une"):
        Settings(**cluster, temporal_tls_cert=str(pem), temporal_tls_cle=str(pem), temporal_cle_api="cle")
    with pytest.raises(ValidationError, match=r"CNRACL_TEMPORAL_TLS_CA : le fichier « .*absent\.pem » ne peut pas"):
        Settings(**cluster, temporal_tls_ca=str(tmp_path / "absent.pem"))
    illisible = tmp_path / "illisible.pem"
    illisible.write_text("pas un certificat")
    with pytest.raises(ValidationError, match=r"CNRACL_TEMPORAL_TLS_CA : .* n'est pas au format PEM"):
        Settings(**cluster, temporal_tls_ca=str(illisible))
    with pytest.raises(ValidationError, match=r"donnez aussi son adresse \(CNRACL_TEMPORAL_ADDRESS\)"):
        Settings(var_dir=tmp_path, temporal_cle_api="cle")
    assert not Settings(**cluster).temporal_tls
    assert Settings(**cluster, temporal_cle_api="cle").temporal_tls
    assert Settings(**cluster, temporal_tls_ca=str(pem)).temporal_tls


def test_les_cles_du_codec_depuis_l_environnement(monkeypatch, tmp_path):
    nouvelle, ancienne = base64.b64encode(b"n" * 32).decode(), base64.b64encode(b"a" * 32).decode()
    monkeypatch.setenv("CNRACL_CODEC_CLES", f"2027:{nouvelle}, 2026:{ancienne}")
    assert cles_du_codec(Settings(var_dir=tmp_path).codec_cles) == [("2027", b"n" * 32), ("2026", b"a" * 32)]
    for valeur, refus in (
        (nouvelle, "chaque clé s'écrit « identifiant:clé »"),
        ("2027:pas*du*base64", "la clé « 2027 » n'est pas écrite en base64"),
        ("2027:" + base64.b64encode(b"court").decode(), "la clé « 2027 » fait 5 octets ; il en faut 32"),
        (f"2027:{nouvelle},2027:{ancienne}", "l'identifiant « 2027 » est donné deux fois"),
    ):
        monkeypatch.setenv("CNRACL_CODEC_CLES", valeur)
        with pytest.raises(ValidationError, match=f"CNRACL_CODEC_CLES : {refus}"):
            Settings(var_dir=tmp_path)


def test_production_exige_les_cles_de_chiffrement():
    # Without the codec's keys, Temporal would keep the motifs, comments and answers in clear: refused, not warned.
    with pytest.raises(ValidationError, match=r"obligatoires.*CNRACL_CODEC_CLES"):
        Settings(
            mode="production",
            secret_key="x" * 40,
            database_url="postgresql+asyncpg://x/y",
            temporal_address="t:7233",
            smtp_host="smtp",
            campagne_collecteur_cle="AQ" * 21 + "A=",
        )


def test_la_cle_du_collecteur(tmp_path):
    # Production: no default key for the collector's files.
    with pytest.raises(ValidationError, match="CNRACL_CAMPAGNE_COLLECTEUR_CLE"):
        Settings(
            mode="production",
            secret_key="x" * 40,
            database_url="postgresql+asyncpg://x/y",
            temporal_address="t:7233",
            smtp_host="smtp",
        )
    with pytest.raises(ValidationError, match="32 octets écrite en base64url"):
        Settings(campagne_collecteur_cle="trop-courte")
    # The demo keeps its random key across restarts: the files of one run stay readable by the next.
    premiere = Settings(var_dir=tmp_path).cle_collecteur()
    assert len(premiere) == 32 and Settings(var_dir=tmp_path).cle_collecteur() == premiere
    assert Settings(campagne_collecteur_cle="AQ" * 21 + "A=").cle_collecteur() != premiere
