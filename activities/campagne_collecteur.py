"""Transmission to the GIP Info Retraite collector, pluggable.

A collector receives one batch of a campaign and returns a receipt. The default writes, per batch, under
``var/exports/<campaign>/``, the file of what the fund transmits for the inter-scheme documents (one JSON record
per agent: identity, career periods, children; format in docs/collecteur.md) encrypted with AES-256-GCM, and its
manifest in clear (format version, counts, SHA-256 of the encrypted file and of its clear content, signed with a
key derived from the same key). Both are written atomically (temporary file, then rename); a retried
transmission rewrites both. Another collector (an SFTP drop, a web service) is any class with the same
``transmettre`` method, named by ``CNRACL_CAMPAGNE_COLLECTEUR`` as ``module:Classe``, built with the export folder
and the key.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib
import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.campagne import LOT_ANCIENS_AFFILIES

# The version of the file's format (docs/collecteur.md); a reader refuses a version it does not know.
VERSION_FORMAT = "cnracl-dai-collecteur/2"
_NONCE = 12  # bytes, AES-GCM's standard nonce


@dataclass
class LotATransmettre:
    workflow_id: str
    annee: int
    annee_envoi: int
    lot: int
    lignes: list[dict[str, Any]]  # one record per agent and cohort (docs/collecteur.md)


@dataclass
class Recu:
    collecteur: str
    reference: str
    lignes: int
    par_cohorte: dict[str, int]
    sha256: str


class Collecteur(Protocol):
    nom: str

    async def transmettre(self, lot: LotATransmettre) -> Recu: ...


class FichierCollecteurInvalide(ValueError):
    """A collector's file that does not match its manifest (altered, truncated, or another key)."""


def nom_du_lot(lot: int) -> str:
    """The files' base name: one per batch of employers, one for the former affiliates."""
    return "anciens-affilies" if lot == LOT_ANCIENS_AFFILIES else f"lot-{lot:05d}"


def fichiers_du_lot(lot: int) -> tuple[str, str]:
    """The encrypted records and their manifest."""
    nom = nom_du_lot(lot)
    return f"{nom}.jsonl.chiffre", f"{nom}.manifest.json"


class CollecteurFichiers:
    nom = "fichiers"

    def __init__(self, dossier: Path, cle: bytes) -> None:
        self._dossier = dossier
        self._cle = cle

    async def transmettre(self, lot: LotATransmettre) -> Recu:
        return await asyncio.to_thread(self._ecrire, lot)

    def _ecrire(self, lot: LotATransmettre) -> Recu:
        dossier = self._dossier / lot.workflow_id
        dossier.mkdir(parents=True, exist_ok=True)
        nom_fichier, nom_manifeste = fichiers_du_lot(lot.lot)
        clair = "".join(
            json.dumps(ligne, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for ligne in lot.lignes
        ).encode("utf-8")
        entete = _entete(lot)
        nonce = secrets.token_bytes(_NONCE)
        # The header is authenticated with the content: a file read with the manifest of another campaign or batch
        # does not decrypt.
        chiffre = nonce + AESGCM(self._cle).encrypt(nonce, clair, _donnees_associees(entete))
        par_cohorte = dict(sorted(Counter(str(ligne["cohorte"]) for ligne in lot.lignes).items()))
        manifeste = entete | {
            "fichier": nom_fichier,
            "chiffrement": "AES-256-GCM (nonce de 12 octets en tête du fichier)",
            "cle": empreinte_cle(self._cle),
            "agents": len(lot.lignes),
            "par_cohorte": par_cohorte,
            "par_statut": dict(sorted(Counter(str(ligne["statut"]) for ligne in lot.lignes).items())),
            "periodes": sum(len(ligne["periodes"]) for ligne in lot.lignes),
            "enfants": sum(len(ligne["enfants"]) for ligne in lot.lignes),
            "sha256_chiffre": hashlib.sha256(chiffre).hexdigest(),
            "sha256_clair": hashlib.sha256(clair).hexdigest(),
        }
        manifeste["signature"] = _signer(self._cle, manifeste)
        ecrire_atomiquement(dossier / nom_fichier, chiffre)
        ecrire_atomiquement(
            dossier / nom_manifeste, json.dumps(manifeste, ensure_ascii=False, indent=2).encode("utf-8")
        )
        return Recu(self.nom, str(dossier / nom_fichier), len(lot.lignes), par_cohorte, manifeste["sha256_chiffre"])


def lire_lot(manifeste_chemin: Path, cle: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A batch read back: its manifest and its records, once every check passed (signature, hashes, counts);
    :class:`FichierCollecteurInvalide` saying which one failed otherwise."""
    try:
        manifeste = json.loads(manifeste_chemin.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FichierCollecteurInvalide(f"{manifeste_chemin.name} n'est pas un manifeste JSON lisible.") from None
    if not isinstance(manifeste, dict):
        raise FichierCollecteurInvalide(f"{manifeste_chemin.name} n'est pas un manifeste (objet JSON attendu).")
    if manifeste.get("format") != VERSION_FORMAT:
        raise FichierCollecteurInvalide(
            f"Format « {manifeste.get('format')} » inconnu : ce lecteur lit le format {VERSION_FORMAT}."
        )
    if manifeste.get("cle") != empreinte_cle(cle):
        raise FichierCollecteurInvalide("Le fichier a été chiffré avec une autre clé que celle fournie.")
    signature = manifeste.pop("signature", "")
    if not hmac.compare_digest(str(signature), _signer(cle, manifeste)):
        raise FichierCollecteurInvalide("La signature du manifeste ne correspond pas : le manifeste a été modifié.")
    chiffre = (manifeste_chemin.parent / manifeste["fichier"]).read_bytes()
    if hashlib.sha256(chiffre).hexdigest() != manifeste["sha256_chiffre"]:
        raise FichierCollecteurInvalide(
            f"L'empreinte SHA-256 de {manifeste['fichier']} ne correspond pas au manifeste : le fichier a été modifié."
        )
    try:
        clair = AESGCM(cle).decrypt(chiffre[:_NONCE], chiffre[_NONCE:], _donnees_associees(_entete_de(manifeste)))
    except InvalidTag:
        raise FichierCollecteurInvalide(f"{manifeste['fichier']} ne se déchiffre pas avec cette clé.") from None
    if hashlib.sha256(clair).hexdigest() != manifeste["sha256_clair"]:
        raise FichierCollecteurInvalide("L'empreinte du contenu déchiffré ne correspond pas au manifeste.")
    lignes = [json.loads(texte) for texte in clair.decode("utf-8").splitlines()]
    comptes = {
        "agents": len(lignes),
        "periodes": sum(len(ligne["periodes"]) for ligne in lignes),
        "enfants": sum(len(ligne["enfants"]) for ligne in lignes),
    }
    for nom, nombre in comptes.items():
        if manifeste[nom] != nombre:
            raise FichierCollecteurInvalide(
                f"Le manifeste annonce {manifeste[nom]} {nom}, le fichier en contient {nombre}."
            )
    manifeste["signature"] = signature
    return manifeste, lignes


def empreinte_cle(cle: bytes) -> str:
    """Names the key (its rotation shows) without revealing it."""
    return hashlib.sha256(b"cnracl-collecteur-identifiant" + cle).hexdigest()[:16]


def _entete(lot: LotATransmettre) -> dict[str, Any]:
    return {
        "format": VERSION_FORMAT,
        "campagne": lot.workflow_id,
        "annee_campagne": lot.annee,
        "annee_envoi": lot.annee_envoi,
        "lot": lot.lot,
    }


def _entete_de(manifeste: dict[str, Any]) -> dict[str, Any]:
    return {k: manifeste[k] for k in ("format", "campagne", "annee_campagne", "annee_envoi", "lot")}


def _donnees_associees(entete: dict[str, Any]) -> bytes:
    return json.dumps(entete, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _signer(cle: bytes, manifeste: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest (without its signature), with a key derived from the file's key: a manifest
    rewritten to match an altered file does not verify."""
    cle_signature = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cnracl-collecteur-manifeste").derive(
        cle
    )
    contenu = json.dumps(manifeste, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(cle_signature, contenu, hashlib.sha256).hexdigest()


def ecrire_atomiquement(chemin: Path, contenu: bytes) -> None:
    provisoire = chemin.with_name(chemin.name + ".part")
    with open(provisoire, "wb") as f:
        f.write(contenu)
        f.flush()
        os.fsync(f.fileno())
    os.replace(provisoire, chemin)


def collecteur(nom: str, var_dir: Path, cle: bytes) -> Collecteur:
    """``fichiers`` (the default), or ``module:Classe`` built with the export folder and the key."""
    dossier = var_dir / "exports"
    if nom in ("", "fichiers"):
        return CollecteurFichiers(dossier, cle)
    module, _, classe = nom.partition(":")
    if not classe:
        raise ValueError(f"CNRACL_CAMPAGNE_COLLECTEUR : « {nom} » n'est ni « fichiers » ni de la forme module:Classe.")
    return getattr(importlib.import_module(module), classe)(dossier, cle)
