"""Payloads encrypted before they reach the engine: AES-GCM with keys named by an id.

Every value a process carries (inputs, updates, results, activity arguments: motifs, comments, survey answers) is
encrypted by the client that sends it, so the engine's database, its operators and its Web UI see only ciphertext.
The id of the key travels in the payload's metadata: a rotation puts a new key first in ``CNRACL_CODEC_CLES`` and
keeps the old ones, which still decrypt the histories written with them. The Web UI decrypts through the codec
route (api/routers/codec.py), reserved to supervisors."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import json_format
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from domain.erreurs import Conflit, Refus
from domain.saisie import Saisie
from settings import Settings, cles_du_codec

ENCODAGE = b"binary/cnracl-aes-gcm"
# The metadata entry naming the key that encrypted a payload.
CLE = "cnracl-cle"
TAILLE_NONCE = 12  # AES-GCM's standard nonce, random for each payload


class ClesInconnues(Conflit):
    """A payload encrypted with a key this process does not have (removed from ``CNRACL_CODEC_CLES`` too soon)."""


class CodecChiffrant(PayloadCodec):
    """Encrypts with the first key, decrypts with any; payloads not encrypted by us (written before the codec was
    turned on) pass through unchanged."""

    def __init__(self, cles: Sequence[tuple[str, bytes]]) -> None:
        if not cles:
            raise ValueError("CNRACL_CODEC_CLES : au moins une clé est nécessaire pour chiffrer.")
        self.actuelle = cles[0][0]
        self._cles = {ident: AESGCM(cle) for ident, cle in cles}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.chiffrer(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.dechiffrer(payload) for payload in payloads]

    def chiffrer(self, payload: Payload) -> Payload:
        nonce = os.urandom(TAILLE_NONCE)
        ident = self.actuelle.encode()
        # The key's id is authenticated with the data: a payload relabelled with another id does not decrypt.
        chiffre = self._cles[self.actuelle].encrypt(nonce, payload.SerializeToString(), ident)
        return Payload(metadata={"encoding": ENCODAGE, CLE: ident}, data=nonce + chiffre)

    def dechiffrer(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODAGE:
            return payload
        ident = payload.metadata.get(CLE, b"").decode(errors="replace")
        aes = self._cles.get(ident)
        if aes is None:
            raise ClesInconnues(
                f"Ce contenu est chiffré avec la clé « {ident} », absente de CNRACL_CODEC_CLES : remettez-la à la "
                "suite des clés (elle ne sert plus à chiffrer, mais reste nécessaire pour lire les historiques "
                "qu'elle a chiffrés)."
            )
        try:
            clair = aes.decrypt(payload.data[:TAILLE_NONCE], payload.data[TAILLE_NONCE:], ident.encode())
        except InvalidTag:
            raise ClesInconnues(
                f"Ce contenu ne se déchiffre pas avec la clé « {ident} » : la clé donnée sous cet identifiant dans "
                "CNRACL_CODEC_CLES n'est pas celle qui l'a chiffré, ou le contenu a été altéré."
            ) from None
        return Payload.FromString(clair)


def codec_des_reglages(settings: Settings) -> CodecChiffrant | None:
    """The codec of ``CNRACL_CODEC_CLES``; none without keys (the demo's payloads stay in clear)."""
    cles = cles_du_codec(settings.codec_cles)
    return CodecChiffrant(cles) if cles else None


class ContenuCodec(BaseModel):
    """Un contenu dans le protocole du codec distant (JSON de protobuf) : ses métadonnées et ses données, en
    base64."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class ContenusCodec(Saisie):
    """Le corps et la réponse de ``/codec/encode`` et de ``/codec/decode``."""

    payloads: list[ContenuCodec] = Field(max_length=10_000)


def _lire(corps: ContenusCodec) -> list[Payload]:
    try:
        return list(json_format.ParseDict(corps.model_dump(), Payloads()).payloads)
    except (json_format.ParseError, TypeError, ValueError):
        raise Refus(
            'payloads : le corps doit être un objet JSON {"payloads": [{"metadata": {…}, "data": "…"}]}, '
            "les valeurs en base64, comme l'envoie l'interface de Temporal.",
            "payloads",
        ) from None


def _ecrire(payloads: list[Payload]) -> ContenusCodec:
    return ContenusCodec.model_validate(json_format.MessageToDict(Payloads(payloads=payloads)) or {"payloads": []})


def _codec(settings: Settings) -> CodecChiffrant:
    codec = codec_des_reglages(settings)
    if codec is None:
        raise ClesInconnues("Le chiffrement des contenus n'est pas activé : CNRACL_CODEC_CLES est vide.")
    return codec


async def decoder(settings: Settings, corps: ContenusCodec) -> ContenusCodec:
    """The remote codec protocol of Temporal's Web UI and CLI: payloads in proto JSON, decrypted."""
    return _ecrire(await _codec(settings).decode(_lire(corps)))


async def encoder(settings: Settings, corps: ContenusCodec) -> ContenusCodec:
    """The same protocol's other half: payloads encrypted with the current key."""
    return _ecrire(await _codec(settings).encode(_lire(corps)))


def cle_aleatoire() -> str:
    """A new key, as ``CNRACL_CODEC_CLES`` writes it (base64 of 32 random bytes)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
