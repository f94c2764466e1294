"""The service's settings: one validated object, read from the environment (prefix ``CNRACL_``).

Nothing is built at import time: call :func:`get_settings` (or build ``Settings(...)`` in tests).
Delays are ISO 8601 durations (``P5D``, ``PT30S``). Outside the demo mode, secrets have no
default: the service refuses to start without them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

RACINE = Path(__file__).resolve().parent
# The Web UI port of the dev server ``make run`` embeds (cli/main.py starts it there).
PORT_UI_TEMPORAL_EMBARQUE = 8233


class Mode(StrEnum):
    demo = "demo"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNRACL_", env_file=None, extra="ignore")
    _cle_demo: str | None = PrivateAttr(default=None)
    _cle_collecteur_demo: bytes | None = PrivateAttr(default=None)
    _temporal_embarque: bool = PrivateAttr(default=True)
    _smtp_embarque: bool = PrivateAttr(default=True)

    mode: Mode = Mode.demo
    var_dir: Path = RACINE / "var"

    # Components. Left empty, the embedded one (make run starts it): the value then holds its address.
    database_url: str = ""
    temporal_address: str = ""
    temporal_namespace: str = "default"
    # The Temporal Web UI's base address (a process's page links there); empty: the embedded dev server's UI in
    # the demo mode, else no link.
    temporal_ui: str = ""
    task_queue: str = "cnracl-processus"
    # A secured Temporal cluster (docs/temporal-securise.md): the server's certificate authority (a PEM file), the
    # client's certificate and private key (PEM files, mutual TLS), or an API key (Temporal Cloud). Any of them turns
    # TLS on; none: plain gRPC, as the embedded dev server speaks.
    temporal_tls_ca: str = ""
    temporal_tls_cert: str = ""
    temporal_tls_cle: str = ""
    temporal_cle_api: str = ""
    # The payload codec's keys (services/codec.py): « id:clé » pairs, comma-separated, each key 32 bytes in base64;
    # the first encrypts, all decrypt (a rotation puts the new key first and keeps the old ones). Empty: payloads
    # are stored in clear, as in the demo.
    codec_cles: str = ""
    smtp_host: str = ""
    smtp_port: int = 8025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_expediteur: str = "CNRACL <ne-pas-repondre@cnracl.example.fr>"
    mail_superviseurs: str = "superviseurs@cnracl.example.fr"
    url_publique: str = "http://localhost:8000"

    # Security.
    secret_key: str = ""
    duree_jeton: timedelta = timedelta(hours=8)

    # Stopping (SIGTERM, as an orchestrator stops a process): the worker stops polling at once and gives its
    # running activities this long to finish (then cancels them: each is retried elsewhere); the API stops
    # accepting connections and gives the requests under way this long.
    worker_arret_grace: timedelta = Field(default=timedelta(seconds=30))
    api_arret_grace: timedelta = Field(default=timedelta(seconds=30))

    # Processes serving the API and the pages (uvicorn workers; without Redis each keeps its own rate-limit windows).
    api_processus: int = Field(default=1, ge=1, le=64)
    # PostgreSQL connections each process keeps open (half as many again for a peak): one API process and one
    # worker stay within PostgreSQL's 100 connections.
    db_pool: int = Field(default=20, ge=1, le=500)
    # Seconds an API process keeps the account behind a token (0: read at every request), since reading it at
    # each request is costly under load; a change made elsewhere (another process, the CLI) applies within it.
    duree_cache_comptes: float = Field(default=5.0, ge=0, le=60)
    # Reads (GET) each API process serves at once, so that at a peak the answers (POST) do not queue behind them
    # (api/priorite.py; measurements in docs/fiabilite.md, §4); 0: no limit.
    lectures_simultanees: int = Field(default=4, ge=0, le=10_000)

    # The largest request body accepted, in bytes (api/bords.py): beyond it, 413 before anything is parsed.
    taille_max_requete: int = Field(default=1_048_576, ge=1024)
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated, e.g.
    # « 10.0.0.0/8,192.0.2.7 »); from any other peer the header is ignored, and the rate limits and the logs use the
    # peer's address.
    proxies_de_confiance: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(default=[])

    # Rate limits (api/limites.py), per client: login attempts of an address, API calls of a token.
    limites_actives: bool = True
    # Redis (e.g. « redis://127.0.0.1:6379/0 »): the rate-limit windows shared by every API process; empty: each
    # process counts its own (the embedded default).
    redis_url: str = ""
    limite_connexions: str = "30/minute"
    limite_api: str = "1200/minute"

    # Lost identifier / confidential code (seed 002). The certification code shown after the secret question
    # must be given at the next login; seed 002 (« Codes perdus : étape 4 ») : after 3 wrong tries the code
    # must be regenerated again. The seed sets no validity: how long the provisional code and its
    # certification code stay usable is our choice. The attempts of an address (identifier recovery, code
    # regeneration, certification) and those aimed at one identifier are limited apart from the logins.
    compte_validite_certification: timedelta = Field(default=timedelta(days=3))
    compte_essais_certification: int = Field(default=3, ge=1)
    limite_comptes: str = "10/hour"

    # Observability. The scraper's bearer secret for /metrics (empty: supervisors' tokens only); the address
    # where the worker serves the Temporal SDK's metrics (empty: not served); JSON logs; OpenTelemetry.
    metriques_jeton: str = ""
    worker_metriques: str = ""
    journaux_json: bool = False
    niveau_journaux: str = "INFO"
    tracage_otel: bool = False

    # EIR delays (DESIGN §4.1).
    eir_delai_notification_employeur: timedelta = Field(default=timedelta(days=5))
    relance_employeur: timedelta = Field(default=timedelta(days=10))
    escalade_superviseur: timedelta = Field(default=timedelta(days=20))
    eir_delai_enquete: timedelta = Field(default=timedelta(days=14))
    eir_delai_reponse_enquete: timedelta = Field(default=timedelta(days=30))
    # Every process ends: an EIR not at its bilan after ``eir_delai_global`` (the entretien is held within a
    # bounded delay), a RIS the agent has not answered after ``eir_delai_validation_ris``, an employer's task still
    # unanswered ``expiration_tache`` after its opening (past its escalation), a rectification after
    # ``rectification_delai_global``: each ends as a named outcome, mailed and in the history.
    eir_delai_global: timedelta = Field(default=timedelta(days=180))
    eir_delai_validation_ris: timedelta = Field(default=timedelta(days=60))
    expiration_tache: timedelta = Field(default=timedelta(days=45))
    rectification_delai_global: timedelta = Field(default=timedelta(days=120))

    # Incidents (issue 22): the attempts of a failing step (bounded backoff, up to a minute apart: 20 last about
    # a quarter of an hour) before it is a technical incident; how often such an incident is tried again on its
    # own; the due date of the supervisors' incident task.
    tentatives_avant_incident: int = Field(default=20, ge=1, le=1000)
    incident_reprise_automatique: timedelta = Field(default=timedelta(minutes=30))
    incident_delai_traitement: timedelta = Field(default=timedelta(days=2))

    # Validation-of-services deadlines (DESIGN §4.4): reminders this long before the deadline.
    validation_rappels: list[timedelta] = Field(default=[timedelta(days=180), timedelta(days=30)])
    # Once a request is received: the employers' delay to send the service certificates (the CNRACL then decides on
    # what came: arrêté du 22/02/2022, 6 months), and the supervisors' overall delay to decide (then « sans décision »).
    validation_delai_certificats: timedelta = Field(default=timedelta(days=180))
    validation_delai_decision: timedelta = Field(default=timedelta(days=365))

    # DAI campaign (DESIGN §4.2): cut-off after the launch, reminders before it, transmission after it,
    # one tranche of documents per interval across September–December N+1; batch sizes for the fan-out.
    campagne_delai_mise_a_jour: timedelta = Field(default=timedelta(days=150))
    campagne_rappels: list[timedelta] = Field(default=[timedelta(days=30), timedelta(days=7)])
    campagne_delai_transmission: timedelta = Field(default=timedelta(days=45))
    # The late employers' one reminder after the cut-off (their tasks closed, their CIR still open until the
    # transmission); an employer with its own deadline gets it this long after its own date.
    campagne_relance_apres_limite: timedelta = Field(default=timedelta(days=14))
    campagne_intervalle_envoi: timedelta = Field(default=timedelta(days=7))
    campagne_taille_lot_employeurs: int = Field(default=500, ge=1)
    campagne_lots_en_parallele: int = Field(default=2, ge=1)
    campagne_taille_paquet: int = Field(default=500, ge=1)
    campagne_paquet_smtp: int = Field(default=50, ge=1)
    # SMTP connections each packet of a campaign is sent over at once (a relay may cap connections per client).
    campagne_connexions_smtp: int = Field(default=4, ge=1, le=64)
    campagne_collecteur: str = "fichiers"
    # The key that encrypts the collector's files at rest (they hold NIRs and careers): 32 bytes in base64url
    # (``python -c "import secrets, base64; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"``).
    # Required in production; in the demo mode a random key kept in ``var/``.
    campagne_collecteur_cle: str = ""
    # Failures contained: a recipient the mail server refuses for now is tried again this many times (a permanent
    # refusal at once) before the document goes on paper and the recipient is an incident; a collector that keeps
    # failing this many attempts makes the batch an incident and the campaign goes on (the batch offered again
    # before each tranche).
    campagne_essais_destinataire: int = Field(default=5, ge=1, le=100)
    campagne_essais_collecteur: int = Field(default=5, ge=1, le=100)
    # The print batches' PDFs are laid out in this many processes beside the worker (0: in the worker itself).
    campagne_processus_impression: int = Field(default=1, ge=0, le=32)

    # Nothing left behind (issue 28). The worker's reconciler runs every ``reconciliation_periode``: it starts the
    # process of each request committed more than ``reconciliation_delai`` ago whose start was never confirmed
    # (the API died in between), and resends the outbox rows no process sends (account mails) still waiting
    # after ``boite_envoi_delai``: backoff from ``boite_envoi_intervalle``, doubled each time, at most
    # ``boite_envoi_tentatives`` sends, then the row is an incident and the code it carries expires.
    reconciliation_periode: timedelta = Field(default=timedelta(seconds=30), gt=timedelta(0))
    reconciliation_delai: timedelta = Field(default=timedelta(minutes=1), ge=timedelta(0))
    boite_envoi_delai: timedelta = Field(default=timedelta(minutes=2), ge=timedelta(0))
    boite_envoi_intervalle: timedelta = Field(default=timedelta(minutes=1), ge=timedelta(0))
    boite_envoi_tentatives: int = Field(default=8, ge=1, le=100)
    # Tests only: the API process exits (``os._exit``) right after committing a request (``demarrage``: before
    # its process starts) or an account mail (``envoi``: before it is sent), to prove the reconciler closes
    # those windows. Empty in production.
    panne_apres_ecriture: str = ""

    @field_validator("proxies_de_confiance", mode="before")
    @classmethod
    def _reseaux(cls, valeur: object) -> object:
        morceaux = valeur.replace(";", ",").split(",") if isinstance(valeur, str) else valeur
        if not isinstance(morceaux, list):
            return morceaux
        reseaux = []
        for morceau in morceaux:
            if isinstance(morceau, str) and not morceau.strip():
                continue
            try:
                reseaux.append(ip_network(str(morceau).strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"CNRACL_PROXIES_DE_CONFIANCE : « {morceau} » n'est ni une adresse IP ni un réseau ; écrivez par "
                    "exemple 10.0.0.0/8,192.0.2.7"
                ) from None
        return reseaux

    @field_validator("campagne_collecteur_cle")
    @classmethod
    def _cle_collecteur(cls, valeur: str) -> str:
        if valeur and len(_decoder_cle(valeur) or b"") != TAILLE_CLE_COLLECTEUR:
            raise ValueError(
                "CNRACL_CAMPAGNE_COLLECTEUR_CLE doit être une clé de 32 octets écrite en base64url (44 caractères) ; "
                'générez-en une avec : python -c "import secrets, base64; '
                'print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"'
            )
        return valeur

    @field_validator("limite_connexions", "limite_api", "limite_comptes")
    @classmethod
    def _limite(cls, valeur: str) -> str:
        from limits import parse

        try:
            parse(valeur)
        except ValueError:
            raise ValueError(
                f"« {valeur} » n'est pas une limite : écrivez par exemple 30/minute ou 1000/hour"
            ) from None
        return valeur

    @model_validator(mode="after")
    def _secrets_hors_demo(self) -> Settings:
        if self.escalade_superviseur <= self.relance_employeur:
            raise ValueError(
                "CNRACL_ESCALADE_SUPERVISEUR doit être plus long que CNRACL_RELANCE_EMPLOYEUR "
                "(l'escalade suit la relance)."
            )
        if self.expiration_tache <= self.escalade_superviseur:
            raise ValueError(
                "CNRACL_EXPIRATION_TACHE doit être plus long que CNRACL_ESCALADE_SUPERVISEUR "
                "(une tâche sans réponse n'expire qu'après avoir été signalée aux superviseurs)."
            )
        if self.mode is Mode.production:
            manquants = [
                nom
                for nom, valeur in (
                    ("CNRACL_SECRET_KEY", self.secret_key),
                    ("CNRACL_DATABASE_URL", self.database_url),
                    ("CNRACL_TEMPORAL_ADDRESS", self.temporal_address),
                    ("CNRACL_SMTP_HOST", self.smtp_host),
                    ("CNRACL_CAMPAGNE_COLLECTEUR_CLE", self.campagne_collecteur_cle),
                    # Without it, Temporal keeps the motifs, comments and answers in clear (docs/temporal-securise.md).
                    ("CNRACL_CODEC_CLES", self.codec_cles),
                )
                if not valeur
            ]
            if manquants:
                raise ValueError(
                    "En mode production, ces réglages sont obligatoires et n'ont pas de valeur "
                    "par défaut : " + ", ".join(manquants)
                )
            if len(self.secret_key) < 32:
                raise ValueError("CNRACL_SECRET_KEY doit compter au moins 32 caractères.")
        return self

    @model_validator(mode="after")
    def _composants_embarques(self) -> Settings:
        """An empty address means the embedded component: remember it, and give its address."""
        self._temporal_embarque, self._smtp_embarque = not self.temporal_address, not self.smtp_host
        self.database_url = self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'cnracl.db'}"
        self.temporal_address = self.temporal_address or "127.0.0.1:7233"
        self.smtp_host = self.smtp_host or "127.0.0.1"
        return self

    @model_validator(mode="after")
    def _temporal_securise(self) -> Settings:
        """A secured connection's settings that cannot work together are refused at start, naming them."""
        if bool(self.temporal_tls_cert) != bool(self.temporal_tls_cle):
            raise ValueError(
                "CNRACL_TEMPORAL_TLS_CERT et CNRACL_TEMPORAL_TLS_CLE vont ensemble : le certificat du client ne sert "
                "pas sans sa clé privée, ni la clé sans le certificat. Donnez les deux fichiers, ou aucun."
            )
        if self.temporal_cle_api and self.temporal_tls_cert:
            raise ValueError(
                "CNRACL_TEMPORAL_CLE_API et CNRACL_TEMPORAL_TLS_CERT sont deux façons de s'authentifier auprès de "
                "Temporal : choisissez-en une (la clé d'API pour Temporal Cloud, le certificat pour un cluster en mTLS)."
            )
        if self.temporal_tls and self._temporal_embarque:
            raise ValueError(
                "CNRACL_TEMPORAL_TLS_CA, CNRACL_TEMPORAL_TLS_CERT, CNRACL_TEMPORAL_TLS_CLE et CNRACL_TEMPORAL_CLE_API "
                "visent un cluster Temporal sécurisé : donnez aussi son adresse (CNRACL_TEMPORAL_ADDRESS) ; le "
                "serveur embarqué n'a pas de TLS."
            )
        for nom, chemin in (
            ("CNRACL_TEMPORAL_TLS_CA", self.temporal_tls_ca),
            ("CNRACL_TEMPORAL_TLS_CERT", self.temporal_tls_cert),
            ("CNRACL_TEMPORAL_TLS_CLE", self.temporal_tls_cle),
        ):
            if chemin:
                lire_pem(nom, chemin)
        cles_du_codec(self.codec_cles)
        return self

    @property
    def temporal_tls(self) -> bool:
        """The engine is reached over TLS: a CA, a client certificate or an API key is given."""
        return bool(self.temporal_tls_ca or self.temporal_tls_cert or self.temporal_tls_cle or self.temporal_cle_api)

    @property
    def temporal_embarque(self) -> bool:
        """No Temporal address given: ``make run`` starts the dev server."""
        return self._temporal_embarque

    @property
    def adresse_temporal_ui(self) -> str | None:
        """Where the Temporal Web UI is, if anywhere: ``temporal_ui``, else the embedded dev server's in demo."""
        if self.temporal_ui:
            return self.temporal_ui.rstrip("/")
        if self.mode is Mode.demo and self.temporal_embarque:
            return f"http://localhost:{PORT_UI_TEMPORAL_EMBARQUE}"
        return None

    @property
    def smtp_embarque(self) -> bool:
        """No SMTP relay given: ``make run`` starts the local sink writing to ``var/mail``."""
        return self._smtp_embarque

    @property
    def dossier_mails(self) -> Path:
        return self.var_dir / "mail"

    def cle_secrete(self) -> str:
        """The token-signing key; in demo mode a random key kept in ``var/`` across restarts (read once: every
        request checks a token with it)."""
        if self.secret_key:
            return self.secret_key
        if self._cle_demo is None:
            fichier = self.var_dir / "secret_key"
            if not fichier.exists():
                self.var_dir.mkdir(parents=True, exist_ok=True)
                fichier.write_text(secrets.token_urlsafe(48))
                fichier.chmod(0o600)
            self._cle_demo = fichier.read_text().strip()
        return self._cle_demo

    def cle_collecteur(self) -> bytes:
        """The key of the collector's files; in demo mode a random key kept in ``var/`` (the files written by one
        run must be readable by the next)."""
        if self.campagne_collecteur_cle:
            cle = _decoder_cle(self.campagne_collecteur_cle)
            assert cle is not None  # checked by the validator
            return cle
        if self._cle_collecteur_demo is None:
            fichier = self.var_dir / "collecteur_cle"
            if not fichier.exists():
                self.var_dir.mkdir(parents=True, exist_ok=True)
                fichier.write_text(base64.urlsafe_b64encode(secrets.token_bytes(TAILLE_CLE_COLLECTEUR)).decode())
                fichier.chmod(0o600)
            self._cle_collecteur_demo = _decoder_cle(fichier.read_text().strip())
        if self._cle_collecteur_demo is None:
            raise ValueError(f"{self.var_dir / 'collecteur_cle'} ne contient pas une clé en base64url")
        return self._cle_collecteur_demo


TAILLE_CLE_COLLECTEUR = 32  # AES-256


def _decoder_cle(texte: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(texte.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None


# AES-256: a key of the payload codec is 32 bytes.
TAILLE_CLE_CODEC = 32


def lire_pem(nom: str, chemin: str) -> bytes:
    """The PEM file a setting names; a missing, unreadable or non-PEM file is refused, naming the setting."""
    try:
        contenu = Path(chemin).read_bytes()
    except OSError as exc:
        raise ValueError(
            f"{nom} : le fichier « {chemin} » ne peut pas être lu ({exc.strerror or exc}). Vérifiez son chemin et "
            "ses droits de lecture pour l'utilisateur du service."
        ) from None
    if b"-----BEGIN " not in contenu:
        raise ValueError(f"{nom} : le fichier « {chemin} » n'est pas au format PEM (« -----BEGIN … »).")
    return contenu


def cles_du_codec(texte: str) -> list[tuple[str, bytes]]:
    """The codec's keys from ``CNRACL_CODEC_CLES`` (« id:clé,… », each key 32 bytes in base64), in order: the first
    encrypts. Refused with the rule broken: a pair without its id, a key that is not base64 or not 32 bytes, an id
    given twice."""
    cles: list[tuple[str, bytes]] = []
    for morceau in texte.split(","):
        if not morceau.strip():
            continue
        ident, deux_points, valeur = morceau.strip().partition(":")
        ident = ident.strip()
        if not deux_points or not ident or not valeur.strip():
            raise ValueError(
                "CNRACL_CODEC_CLES : chaque clé s'écrit « identifiant:clé » (la clé en base64), les paires séparées "
                "par des virgules, par exemple 2026-01:" + "A" * 43 + "="
            )
        try:
            cle = base64.b64decode(valeur.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"CNRACL_CODEC_CLES : la clé « {ident} » n'est pas écrite en base64.") from None
        if len(cle) != TAILLE_CLE_CODEC:
            raise ValueError(
                f"CNRACL_CODEC_CLES : la clé « {ident} » fait {len(cle)} octets ; il en faut {TAILLE_CLE_CODEC} "
                "(générez-la par exemple avec « openssl rand -base64 32 »)."
            )
        if any(ident == deja for deja, _ in cles):
            raise ValueError(f"CNRACL_CODEC_CLES : l'identifiant « {ident} » est donné deux fois.")
        cles.append((ident, cle))
    return cles


@lru_cache
def get_settings() -> Settings:
    return Settings()
