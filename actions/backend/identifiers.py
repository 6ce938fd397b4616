"""Player identifiers: usernames, e-mails and Turkish phone numbers, normalised and masked."""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "IdentifierKind",
    "classify",
    "fold_username",
    "mask_email",
    "mask_phone",
    "normalize_email",
    "normalize_phone",
]

IdentifierKind = Literal["username", "email", "phone"]

# Players drop diacritics and Python's lower() turns "I" into "i" only: fold every
# Turkish i and diacritic to its ASCII base, so "CEMİL", "CEMIL" and "cemıl" agree.
_FOLD = str.maketrans(
    {"İ": "i", "I": "i", "ı": "i", "Ş": "s", "ş": "s", "Ğ": "g", "ğ": "g",
     "Ü": "u", "ü": "u", "Ö": "o", "ö": "o", "Ç": "c", "ç": "c"}
)  # fmt: skip
_PHONE_CHARS = re.compile(r"\+?[\d\s\-().]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def fold_username(text: str) -> str:
    return text.strip().translate(_FOLD).lower()


def normalize_email(text: str) -> str | None:
    email = text.strip().lower()
    return email if _EMAIL.fullmatch(email) else None


def normalize_phone(text: str) -> str | None:
    """A Turkish number in E.164, or None.

    "0532 123 45 67", "+90 532 123 45 67", "905321234567" and "5321234567" all give
    "+905321234567".
    """
    text = text.strip()
    if not _PHONE_CHARS.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0090"):
        digits = digits[4:]
    elif digits.startswith("90") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    if not re.fullmatch(r"[2-5]\d{9}", digits):
        return None
    return "+90" + digits


def classify(identifier: str) -> tuple[IdentifierKind, str]:
    """What a player typed as an identifier, and its normalised key."""
    if "@" in identifier:
        return "email", identifier.strip().lower()
    phone = normalize_phone(identifier)
    if phone is not None:
        return "phone", phone
    return "username", fold_username(identifier)


def mask_phone(phone: str) -> str:
    """Mask all but the last four digits: "+905321234567" → "+90 5** *** 45 67"."""
    national = phone.removeprefix("+90")
    return f"+90 {national[0]}** *** {national[-4:-2]} {national[-2:]}"


def mask_email(email: str) -> str:
    """Mask all but the first letter: "ahmet.yilmaz@example.com" → "a***@example.com"."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
