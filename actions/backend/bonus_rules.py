"""Whether a player may claim a bonus code, and how much: pure rules, Turkish explanations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from actions.backend.clock import ISTANBUL
from actions.backend.schemas import ClaimRefusal

__all__ = ["CampaignRules", "ClaimContext", "Grant", "Refusal", "decide", "format_try"]


@dataclass(frozen=True, slots=True)
class CampaignRules:
    """A campaign's terms; amounts in kuruş."""

    code: str
    name: str
    percentage: int
    max_amount: int
    wagering_multiplier: int
    min_deposit: int
    valid_until: datetime
    first_deposit_only: bool
    min_vip_level: int
    one_per_player: bool


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """What the rules need to know about the player; amounts in kuruş."""

    status: str
    vip_level: int
    credited_deposits: Sequence[int]  # oldest first
    claimed_before: bool
    now: datetime


@dataclass(frozen=True, slots=True)
class Grant:
    amount: int
    wagering_required: int
    message: str


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: ClaimRefusal
    message: str


def decide(code: str, campaign: CampaignRules | None, player: ClaimContext) -> Grant | Refusal:
    """The first rule that refuses wins; the order puts the player's safety first."""
    if player.status == "self_excluded":
        return Refusal(
            "self_excluded",
            "Hesabınızda kendinizi oyundan uzaklaştırma (self-exclusion) etkin olduğu için "
            "bonus tanımlanamıyor.",
        )
    if player.status == "suspended":
        return Refusal("account_suspended", "Hesabınız askıya alındığı için bonus tanımlanamıyor.")
    if campaign is None:
        return Refusal(
            "unknown_code",
            f"“{code}” adında bir bonus kodu bulunamadı. Kodu kontrol edip tekrar dener misiniz?",
        )
    return _campaign_refusal(campaign, player) or _grant(campaign, player)


def _campaign_refusal(campaign: CampaignRules, player: ClaimContext) -> Refusal | None:
    name = campaign.name
    if player.now > campaign.valid_until:
        ended = campaign.valid_until.astimezone(ISTANBUL).strftime("%d.%m.%Y")
        return Refusal("expired", f"{name} kampanyasının süresi {ended} tarihinde doldu.")
    if campaign.one_per_player and player.claimed_before:
        return Refusal(
            "already_claimed",
            f"{name} daha önce hesabınıza tanımlanmış; bu kampanya oyuncu başına bir kez "
            "geçerlidir.",
        )
    if player.vip_level < campaign.min_vip_level:
        return Refusal(
            "vip_only",
            f"{name} yalnızca VIP {campaign.min_vip_level} ve üzeri seviyedeki üyelerimize "
            "özeldir.",
        )
    deposits = player.credited_deposits
    if campaign.first_deposit_only and len(deposits) > 1:
        return Refusal(
            "not_eligible_first_deposit",
            f"{name} yalnızca ilk yatırımda geçerlidir; hesabınızda daha önce yapılmış "
            "yatırımlar bulunduğu için tanımlanamıyor.",
        )
    minimum = format_try(campaign.min_deposit)
    if not deposits:
        return Refusal(
            "min_deposit_not_met",
            f"{name} için önce en az {minimum} yatırım yapmanız gerekiyor.",
        )
    if deposits[-1] < campaign.min_deposit:
        return Refusal(
            "min_deposit_not_met",
            f"{name} için en az {minimum} yatırım gerekiyor; son yatırımınız "
            f"{format_try(deposits[-1])}.",
        )
    return None


def _grant(campaign: CampaignRules, player: ClaimContext) -> Grant:
    # The first deposit for a welcome bonus, otherwise the latest one, qualifies.
    qualifying = player.credited_deposits[0 if campaign.first_deposit_only else -1]
    amount = min(qualifying * campaign.percentage // 100, campaign.max_amount)
    required = amount * campaign.wagering_multiplier
    message = (
        f"{format_try(amount)} {campaign.name} hesabınıza tanımlandı. Çekim yapabilmek için "
        f"{format_try(required)} çevrim yapmanız gerekiyor."
    )
    return Grant(amount, required, message)


def format_try(kurus: int) -> str:
    """1500_00 → "1.500 TL", 1500_50 → "1.500,50 TL", as Turkish writes money."""
    lira, rest = divmod(kurus, 100)
    whole = f"{lira:,}".replace(",", ".")
    return f"{whole},{rest:02d} TL" if rest else f"{whole} TL"
