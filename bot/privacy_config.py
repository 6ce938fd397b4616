"""The ``privacy:`` section of endpoints.yml: which personal data is masked before storing.

::

    privacy:
      mask_before_storing: [tckn, iban, card, phone, email, otp]   # the default: all
      # or per type: true, false, or "always" (also when the checksum fails)
      # mask_before_storing: {tckn: always, iban: true, card: true, phone: false}
      otp_slots: [otp_code]        # slots holding one-time codes: never stored in clear
      unmasked_slots: [player_id]  # account references, stored as given

A type left out of a mapping is masked; a list names exactly the types masked. One-time
codes are masked whatever the list says, and ``otp: false`` is refused: a code is never
stored in clear. Logs mask every type, whatever this section says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import ConfigError
from bot.pii import CHECKSUM_TYPES, EVERYTHING, OTP, PII_TYPES, Masking

__all__ = ["ALWAYS", "DEFAULT_OTP_SLOTS", "DEFAULT_UNMASKED_SLOTS", "PrivacyConfig"]

ALWAYS = "always"
DEFAULT_OTP_SLOTS = ("otp_code",)
# Account references only. The identifiers a player typed (username, email, phone) are
# masked like any text: the code check names the conversation, not the identifier
# (actions/verification.py), so it works from a tracker read back from the store.
DEFAULT_UNMASKED_SLOTS = ("player_id",)
_KEYS = ("mask_before_storing", "otp_slots", "unmasked_slots")
_WHERE = "endpoints.yml: privacy"


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    """What the stores mask: ``masking`` in every text, the whole value of ``otp_slots``,
    nothing of ``unmasked_slots``."""

    masking: Masking = EVERYTHING
    otp_slots: frozenset[str] = frozenset(DEFAULT_OTP_SLOTS)
    unmasked_slots: frozenset[str] = frozenset(DEFAULT_UNMASKED_SLOTS)

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> PrivacyConfig:
        """The section as read from endpoints.yml (None: the defaults).

        Raises:
            ConfigError: an unknown key or type, or a malformed value; the message names it.
        """
        if not options:
            return cls()
        if not isinstance(options, Mapping):
            raise ConfigError(f"{_WHERE} must be a mapping of its settings")
        unknown = sorted(str(key) for key in options if key not in _KEYS)
        if unknown:
            raise ConfigError(f"{_WHERE}: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
        return cls(
            masking=_masking(options.get("mask_before_storing")),
            otp_slots=_names(options, "otp_slots", DEFAULT_OTP_SLOTS),
            unmasked_slots=_names(options, "unmasked_slots", DEFAULT_UNMASKED_SLOTS),
        )


def _masking(value: Any) -> Masking:
    where = f"{_WHERE}.mask_before_storing"
    if value is None:
        return EVERYTHING
    if isinstance(value, list):
        return Masking(frozenset({_known(item, where) for item in value} | {OTP}))
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where} must be a list of types or a mapping of type: true/false/always, "
            f"found {type(value).__name__}"
        )
    types, regardless = set(PII_TYPES), set()
    for key, setting in value.items():
        kind = _known(key, where)
        if setting is True:
            continue
        if setting is False and kind == OTP:
            raise ConfigError(
                f"{where}.otp cannot be false: one-time codes are never stored in clear"
            )
        if setting is False:
            types.discard(kind)
        elif setting == ALWAYS and kind in CHECKSUM_TYPES:
            regardless.add(kind)
        elif setting == ALWAYS:
            raise ConfigError(
                f"{where}.{kind}: 'always' means 'also when the checksum fails', and only "
                f"{', '.join(CHECKSUM_TYPES)} have one; write true"
            )
        else:
            raise ConfigError(f"{where}.{kind} must be true, false or always, not {setting!r}")
    return Masking(frozenset(types), frozenset(regardless))


def _known(kind: Any, where: str) -> str:
    if kind not in PII_TYPES:
        raise ConfigError(f"{where}: unknown type {kind!r} (known: {', '.join(PII_TYPES)})")
    return str(kind)


def _names(options: Mapping[str, Any], key: str, default: tuple[str, ...]) -> frozenset[str]:
    value = options.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{_WHERE}.{key} must be a list of slot names")
    return frozenset(value)
