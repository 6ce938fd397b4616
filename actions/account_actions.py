"""Account actions: deposits, withdrawals, balance, bonuses and KYC, told to verified players."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient, KycStatus, Transaction
from actions.identity import (
    ISTANBUL,
    BackendAction,
    VerifiedAction,
    hand_over,
    verified_player,
)
from actions.identity import istanbul as on_istanbul_clock

__all__ = [
    "ActionBalance",
    "ActionBonusInfo",
    "ActionCheckDeposit",
    "ActionClaimBonus",
    "ActionKycStatus",
    "ActionWithdrawalStatus",
    "format_try",
    "parse_amount",
    "parse_method",
]

# How far from the time the player names a deposit may lie ("dün akşam" is not to the minute).
TIME_WINDOW = timedelta(hours=12)
METHOD_NAMES = {
    "havale_eft": "havale/EFT", "papara": "Papara", "kredi_karti": "kredi kartı",
    "kripto": "kripto", "mefete": "Mefete", "payfix": "Payfix", "cepbank": "CepBank",
    "parazula": "Parazula", "jeton": "Jeton", "mobil_odeme": "mobil ödeme", "qr": "QR",
}  # fmt: skip
_METHOD_WORDS = (
    ("havale", "havale_eft"), ("eft", "havale_eft"), ("fast", "havale_eft"),
    ("papara", "papara"), ("kredi", "kredi_karti"), ("kart", "kredi_karti"),
    ("kripto", "kripto"), ("bitcoin", "kripto"), ("btc", "kripto"), ("usdt", "kripto"),
    ("mefete", "mefete"), ("payfix", "payfix"), ("cepbank", "cepbank"),
    ("parazula", "parazula"), ("jeton", "jeton"), ("mobil", "mobil_odeme"), ("qr", "qr"),
)  # fmt: skip
_FOLD = str.maketrans("İIıŞşĞğÜüÖöÇç", "iiissgguuoocc")
_WITHDRAWAL_STATES = {"pending": "onay bekliyor", "processing": "işleme alındı", "paid": "ödendi"}
_DOCUMENT_NAMES = {
    "kimlik": "kimlik", "pasaport": "pasaport", "ehliyet": "ehliyet",
    "ikametgah": "ikametgah belgesi", "fatura": "fatura", "selfie": "selfie",
}  # fmt: skip


def format_try(amount: float) -> str:
    """1500 → "1.500,00 TL", as Turkish writes money."""
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', '.')},{cents} TL"


def parse_amount(value: Any) -> float | None:
    """A slot's amount: 1500, "1.500 TL", "1500tl", "₺250", "1.500,50" → a float, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    text = re.sub(r"(?i)\s|tl|try|lira|₺", "", str(value))
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    try:
        amount = float(text)
    except ValueError:
        return None
    return amount if amount > 0 else None


def parse_method(value: Any) -> str | None:
    """A slot's payment method ("Papara", "havale", "kredi kartı") as the backend's code."""
    if not isinstance(value, str):
        return None
    folded = re.sub(r"[\s_/-]", "", value.translate(_FOLD).lower())
    if folded in METHOD_NAMES:
        return folded
    return next((code for word, code in _METHOD_WORDS if word in folded), None)


def parse_time(value: Any) -> datetime | None:
    """An ISO time (naive is Istanbul), or the start of an interval ``{"from": ...}``."""
    if isinstance(value, dict):
        value = value.get("from") or value.get("to")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ISTANBUL)


def _when(moment: datetime) -> str:
    return f"{on_istanbul_clock(moment):%d.%m.%Y %H:%M}"


def _describe(kind: str, t: Transaction) -> str:
    method = METHOD_NAMES.get(t.method, t.method)
    return f"{_when(t.created_at)} tarihli {format_try(t.amount)} {method} {kind}"


def _handoff_note(kind: str, t: Transaction) -> str:
    expected = _when(t.expected_at) if t.expected_at else "-"
    return (
        f"{kind} {t.reference}: {_describe(kind.lower(), t)}, durum {t.state}, beklenen {expected}"
    )


class ActionCheckDeposit(VerifiedAction):
    """Find the deposit the player means (amount, method, time) and explain its state."""

    skill = "finance"

    def name(self) -> str:
        return "action_check_deposit"

    async def act_for(
        self, player_id: int, backend: BackendClient, dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:  # fmt: skip
        deposit = await self._find(player_id, backend, tracker)
        if deposit is None:
            dispatcher.utter_message(
                text="Verdiğiniz bilgilerle eşleşen bir yatırım bulamadım. Tutarı, yöntemi ve "
                "yaklaşık saati kontrol edip tekrar yazar mısınız? Dilerseniz sizi finans "
                "ekibimize de aktarabilirim."
            )
            return []
        described = _describe("yatırımınız", deposit)
        if deposit.state == "credited":
            dispatcher.utter_message(
                text=f"{described} hesabınıza yansımış görünüyor (referans: {deposit.reference}). "
                "Bakiyenizi sayfayı yenileyerek kontrol edebilirsiniz."
            )
            return []
        if deposit.state == "failed":
            reason = deposit.reason or "ödeme sağlayıcısı işlemi onaylamadı."
            dispatcher.utter_message(
                text=f"{described} maalesef tamamlanamadı. Nedeni: {reason} "
                "Dilerseniz başka bir yöntemle tekrar deneyebilirsiniz."
            )
            return []
        if deposit.overdue:
            dispatcher.utter_message(
                text=f"{described} beklenen süreyi aştı, bunun için özür dilerim. İşlem "
                f"bilgilerinizle (referans: {deposit.reference}) sizi hemen finans ekibimize "
                "aktarıyorum."
            )
            return hand_over("deposit_overdue", "finance", _handoff_note("Yatırım", deposit))
        expected = _when(deposit.expected_at) if deposit.expected_at else "kısa süre içinde"
        dispatcher.utter_message(
            text=f"{described} işlemde. En geç {expected} itibarıyla hesabınıza yansıması "
            "bekleniyor; o saate kadar yansımazsa bana tekrar yazmanız yeterli."
        )
        return []

    async def _find(
        self, player_id: int, backend: BackendClient, tracker: Tracker
    ) -> Transaction | None:
        amount = parse_amount(tracker.get_slot("amount"))
        method = parse_method(tracker.get_slot("payment_method"))
        moment = parse_time(tracker.get_slot("time"))
        since = (moment - TIME_WINDOW).isoformat() if moment else None
        until = (moment + TIME_WINDOW).isoformat() if moment else None
        # The player's memory of the time and method is looser than of the amount: relax
        # the search step by step rather than answer "not found" too soon.
        attempts: list[dict[str, Any]] = [
            {"amount": amount, "method": method, "since": since, "until": until},
            {"amount": amount, "method": method},
            {"amount": amount},
        ]
        if amount is None and method is None and moment is None:
            attempts = [{"limit": 10}]
        for filters in attempts:
            found = await backend.deposits(player_id, **filters)
            if found:
                open_ones = [d for d in found if d.state == "pending"]
                return (open_ones or found)[0]
        return None


class ActionWithdrawalStatus(VerifiedAction):
    """The latest withdrawals with state, reason and expected time; an overdue one hands over."""

    skill = "finance"

    def name(self) -> str:
        return "action_withdrawal_status"

    async def act_for(
        self, player_id: int, backend: BackendClient, dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:  # fmt: skip
        withdrawals = await backend.withdrawals(player_id, limit=3)
        if not withdrawals:
            dispatcher.utter_message(text="Hesabınızda kayıtlı bir çekim talebi görünmüyor.")
            return []
        lines = [self._line(w) for w in withdrawals]
        dispatcher.utter_message(text="Son çekim talepleriniz:\n" + "\n".join(lines))
        overdue = next((w for w in withdrawals if w.overdue), None)
        if overdue is None:
            return []
        dispatcher.utter_message(
            text=f"{overdue.reference} referanslı çekiminiz beklenen süreyi aştı, bunun için "
            "özür dilerim. Sizi hemen finans ekibimize aktarıyorum; talebiniz öncelikli "
            "olarak incelenecek."
        )
        return hand_over("withdrawal_overdue", "finance", _handoff_note("Çekim", overdue))

    @staticmethod
    def _line(w: Transaction) -> str:
        head = f"• {_describe('çekim', w)} ({w.reference}): "
        if w.state == "rejected":
            return head + f"reddedildi. Nedeni: {w.reason or 'belirtilmedi'}"
        state = _WITHDRAWAL_STATES.get(w.state, w.state)
        if w.overdue:
            return head + f"{state}, beklenen süre aşıldı"
        if w.state in ("pending", "processing") and w.expected_at is not None:
            return head + f"{state}, en geç {_when(w.expected_at)} itibarıyla hesabınızda olur"
        return head + state


class ActionBalance(VerifiedAction):
    skill = "finance"

    def name(self) -> str:
        return "action_balance"

    async def act_for(
        self, player_id: int, backend: BackendClient, dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:  # fmt: skip
        balance = await backend.balance(player_id)
        dispatcher.utter_message(
            text=f"Güncel bakiyeniz:\n• Nakit: {format_try(balance.cash)}\n"
            f"• Bonus: {format_try(balance.bonus)}\n"
            f"• Çekilebilir: {format_try(balance.withdrawable)}"
        )
        return []


class ActionBonusInfo(BackendAction):
    """Running campaigns for anyone; a verified player also hears their wagering progress."""

    def name(self) -> str:
        return "action_bonus_info"

    async def act(
        self, backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        campaigns = await backend.campaigns()
        if campaigns:
            lines = [f"• {c.name} ({c.code}): {c.description}" for c in campaigns]
            dispatcher.utter_message(text="Güncel kampanyalarımız:\n" + "\n".join(lines))
        else:
            dispatcher.utter_message(text="Şu anda aktif bir bonus kampanyamız bulunmuyor.")
        player_id = verified_player(tracker)
        if player_id is None:
            return []
        bonuses = await backend.active_bonuses(player_id)
        for b in bonuses:
            dispatcher.utter_message(
                text=f"Aktif bonusunuz {b.name} ({format_try(b.amount)}): "
                f"{format_try(b.wagering_required)} çevrimin {format_try(b.wagered)} "
                f"kısmını tamamladınız (%{round(b.progress * 100)}). Kalan çevrim "
                f"{format_try(b.wagering_remaining)}; son gün {_when(b.expires_at)}."
            )
        return []


class ActionClaimBonus(VerifiedAction):
    """Claim the code in ``bonus_code``: credited, or the backend's Turkish reason."""

    def name(self) -> str:
        return "action_claim_bonus"

    async def act_for(
        self, player_id: int, backend: BackendClient, dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:  # fmt: skip
        code = tracker.get_slot("bonus_code")
        if not isinstance(code, str) or not code.strip():
            dispatcher.utter_message(text="Hangi bonus kodunu kullanmak istiyorsunuz?")
            return []
        credited, message = await backend.claim_bonus(player_id, code.strip()[:40])
        dispatcher.utter_message(text=message if credited else f"Üzgünüm, {message}")
        return [SlotSet("bonus_code", None)]


class ActionKycStatus(VerifiedAction):
    skill = "kyc"

    def name(self) -> str:
        return "action_kyc_status"

    async def act_for(
        self, player_id: int, backend: BackendClient, dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:  # fmt: skip
        dispatcher.utter_message(text=self._explain(await backend.kyc(player_id)))
        return []

    @staticmethod
    def _explain(kyc: KycStatus) -> str:
        if kyc.status == "approved":
            return "Hesap doğrulamanız (KYC) tamamlanmış, ek bir belge gerekmiyor."
        parts = {
            "pending": "Belgeleriniz ekibimiz tarafından inceleniyor; bu genellikle 24 saat sürer.",
            "rejected": "Hesap doğrulamanız (KYC) tamamlanamadı.",
            "not_started": "Hesap doğrulamanıza (KYC) henüz başlanmamış.",
        }
        text = [parts.get(kyc.status, "")]
        for doc in kyc.documents:
            if doc.state == "rejected":
                name = _DOCUMENT_NAMES.get(doc.type, doc.type)
                text.append(f"Reddedilen belge: {name}. Nedeni: {doc.reason or 'belirtilmedi'}")
        if kyc.missing:
            text.append("Yüklemeniz gerekenler:\n" + "\n".join(f"• {m}" for m in kyc.missing))
        return "\n".join(part for part in text if part)
