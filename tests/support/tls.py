"""A secured Temporal endpoint on this machine: certificates made for the test (a CA, the server's, a client's) and a
TLS-terminating proxy (ALPN « h2 », the client's certificate required for mutual TLS) in front of the dev server,
which speaks plain gRPC only."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Certificats:
    """PEM files: the authority, the server's certificate and key, a client's certificate and key."""

    ca: Path
    serveur_cert: Path
    serveur_cle: Path
    client_cert: Path
    client_cle: Path


def _nom(commun: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, commun)])


def _ecrire(dossier: Path, nom: str, cert: x509.Certificate, cle: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    chemin_cert, chemin_cle = dossier / f"{nom}.pem", dossier / f"{nom}-cle.pem"
    chemin_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    chemin_cle.write_bytes(
        cle.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chemin_cert, chemin_cle


def _signer(
    sujet: str,
    cle: ec.EllipticCurvePrivateKey,
    emetteur: x509.Name,
    cle_emetteur: ec.EllipticCurvePrivateKey,
    *extensions: tuple[x509.ExtensionType, bool],
) -> x509.Certificate:
    maintenant = datetime.now(UTC)
    constructeur = (
        x509.CertificateBuilder()
        .subject_name(_nom(sujet))
        .issuer_name(emetteur)
        .public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - timedelta(minutes=5))
        .not_valid_after(maintenant + timedelta(days=1))
    )
    for extension, critique in extensions:
        constructeur = constructeur.add_extension(extension, critical=critique)
    return constructeur.sign(cle_emetteur, hashes.SHA256())


def autorite(dossier: Path, nom: str = "ca") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path]:
    """A new certificate authority, its certificate written to ``dossier/nom.pem``."""
    cle = ec.generate_private_key(ec.SECP256R1())
    cert = _signer(
        f"Autorité de test {nom}",
        cle,
        _nom(f"Autorité de test {nom}"),
        cle,
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
    )
    chemin, _ = _ecrire(dossier, nom, cert, cle)
    return cert, cle, chemin


def certificats(dossier: Path) -> Certificats:
    """A CA, the server's certificate for 127.0.0.1 and localhost, and a client's certificate, all signed by it."""
    dossier.mkdir(parents=True, exist_ok=True)
    ca, cle_ca, chemin_ca = autorite(dossier)
    feuille = (x509.BasicConstraints(ca=False, path_length=None), True)
    cle_serveur = ec.generate_private_key(ec.SECP256R1())
    serveur = _signer(
        "localhost",
        cle_serveur,
        ca.subject,
        cle_ca,
        feuille,
        (
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        ),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
    )
    cle_client = ec.generate_private_key(ec.SECP256R1())
    client = _signer(
        "worker-cnracl",
        cle_client,
        ca.subject,
        cle_ca,
        feuille,
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    )
    serveur_cert, serveur_cle = _ecrire(dossier, "serveur", serveur, cle_serveur)
    client_cert, client_cle = _ecrire(dossier, "client", client, cle_client)
    return Certificats(chemin_ca, serveur_cert, serveur_cle, client_cert, client_cle)


async def _relayer(lecteur: asyncio.StreamReader, ecrivain: asyncio.StreamWriter) -> None:
    try:
        # a side closing the connection (or refused at the handshake) ends this direction of the relay
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            while donnees := await lecteur.read(65536):
                ecrivain.write(donnees)
                await ecrivain.drain()
    finally:
        with contextlib.suppress(Exception):
            ecrivain.close()


@contextlib.asynccontextmanager
async def mandataire_tls(cible: str, certs: Certificats, mtls: bool = True) -> AsyncIterator[str]:
    """A TLS endpoint on 127.0.0.1 forwarding to ``cible`` (host:port, plain gRPC); its address. With ``mtls`` a
    client without a certificate signed by the test's CA is refused during the handshake."""
    contexte = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    contexte.load_cert_chain(certs.serveur_cert, certs.serveur_cle)
    contexte.set_alpn_protocols(["h2"])
    if mtls:
        contexte.load_verify_locations(certs.ca)
        contexte.verify_mode = ssl.CERT_REQUIRED
    hote, port = cible.rsplit(":", 1)
    relais: set[asyncio.Task[None]] = set()

    async def accueillir(lecteur: asyncio.StreamReader, ecrivain: asyncio.StreamWriter) -> None:
        try:
            amont_lecteur, amont_ecrivain = await asyncio.open_connection(hote, int(port))
        except OSError:
            ecrivain.close()
            return
        for tache in (
            asyncio.create_task(_relayer(lecteur, amont_ecrivain)),
            asyncio.create_task(_relayer(amont_lecteur, ecrivain)),
        ):
            relais.add(tache)
            tache.add_done_callback(relais.discard)

    serveur = await asyncio.start_server(accueillir, "127.0.0.1", 0, ssl=contexte)
    adresse = serveur.sockets[0].getsockname()
    try:
        yield f"127.0.0.1:{adresse[1]}"
    finally:
        serveur.close()
        for tache in list(relais):
            tache.cancel()
        await asyncio.gather(*relais, return_exceptions=True)
