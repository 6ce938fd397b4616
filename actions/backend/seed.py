"""Demo players, one story each, with every time relative to the injected clock.

| id   | username     | story                                                               |
| ---- | ------------ | ------------------------------------------------------------------- |
| 1001 | ahmet_yilmaz | verified; 1.500 TL papara deposit pending since yesterday 20:40      |
| 1002 | zeynep.kaya  | verified; 2.000 TL havale credited this morning; YATIRIM20 eligible  |
| 1003 | mehmet_demir | failed card deposit (3D Secure); withdrawal rejected "KYC eksik";    |
|      |              | address proof and selfie missing                                    |
| 1004 | elif_sahin   | 5.000 TL withdrawal pending for 3 days (overdue: finance handover)  |
| 1005 | burak_celik  | HAFTASONU50 bonus half-wagered; not eligible for HOSGELDIN100        |
| 1006 | selin_arslan | new, one 500 TL deposit: eligible for HOSGELDIN100; KYC not started |
| 1007 | emre_ozturk  | KYC documents under review; withdrawal processing; failed cepbank   |
| 1008 | ayse_dogan   | KYC rejected: blurred selfie                                        |
| 1009 | can_aydin    | self-excluded                                                       |
| 1010 | kemal_koc    | VIP 4, large balance, VIPKAYIP25 eligible, kripto withdrawal        |
| 1011 | deniz_yildiz | suspended, English-speaking, identity document rejected (expired)   |
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from actions.backend.clock import ISTANBUL
from actions.backend.identifiers import fold_username
from actions.backend.models import clear_all, db_time, to_kurus

__all__ = ["reseed", "seed", "seed_if_empty"]

APPROVED_SET = (("kimlik", "approved"), ("ikametgah", "approved"), ("selfie", "approved"))
DEPOSIT_ETA = {"havale_eft": timedelta(hours=2), "kripto": timedelta(hours=1)}
WITHDRAWAL_ETA = {"kripto": timedelta(hours=12)}
BLURRED_SELFIE = (
    "Selfie bulanık; yüzünüz ve kimliğiniz net seçilemiyor. Lütfen iyi ışıkta yeniden çekin."
)
KYC_MISSING = (
    "KYC eksik: kimlik doğrulamanız tamamlanmadan çekim yapılamaz. "
    "Adres belgesi ve selfie yüklemeniz gerekiyor."
)


@dataclass(frozen=True, slots=True)
class DemoPlayer:
    id: int
    username: str
    full_name: str
    email: str
    phone: str
    vip_level: int
    status: str
    joined_days_ago: int
    language: str
    balance: tuple[float, float, float]  # cash, bonus, withdrawable


PLAYERS = (
    DemoPlayer(1001, "ahmet_yilmaz", "Ahmet Yılmaz", "ahmet.yilmaz@example.com",
               "+905321234567", 1, "active", 400, "tr", (320.5, 0, 320.5)),
    DemoPlayer(1002, "zeynep.kaya", "Zeynep Kaya", "zeynep.kaya@example.com",
               "+905320000002", 2, "active", 250, "tr", (2450, 0, 2450)),
    DemoPlayer(1003, "mehmet_demir", "Mehmet Demir", "mehmet.demir@example.net",
               "+905330000003", 0, "active", 45, "tr", (1200, 0, 0)),
    DemoPlayer(1004, "elif_sahin", "Elif Şahin", "elif.sahin@example.com",
               "+905340000004", 1, "active", 300, "tr", (150, 0, 150)),
    DemoPlayer(1005, "burak_celik", "Burak Çelik", "burak.celik@example.org",
               "+905350000005", 2, "active", 180, "tr", (800, 500, 300)),
    DemoPlayer(1006, "selin_arslan", "Selin Arslan", "selin.arslan@example.com",
               "+905360000006", 0, "active", 2, "tr", (500, 0, 500)),
    DemoPlayer(1007, "emre_ozturk", "Emre Öztürk", "emre.ozturk@example.com",
               "+905370000007", 0, "active", 10, "tr", (75, 0, 75)),
    DemoPlayer(1008, "ayse_dogan", "Ayşe Doğan", "ayse.dogan@example.com",
               "+905380000008", 0, "active", 20, "tr", (940, 0, 0)),
    DemoPlayer(1009, "can_aydin", "Can Aydın", "can.aydin@example.com",
               "+905390000009", 1, "self_excluded", 500, "tr", (60, 0, 60)),
    DemoPlayer(1010, "kemal_koc", "Kemal Koç", "kemal.koc@example.com",
               "+905420000010", 4, "active", 900, "tr", (48750, 0, 48750)),
    DemoPlayer(1011, "deniz_yildiz", "Deniz Yıldız", "deniz.yildiz@example.com",
               "+905430000011", 0, "suspended", 60, "en", (0, 0, 0)),
)  # fmt: skip


class _Times:
    """Moments relative to ``now``: so many days and hours ago, or a wall-clock time on a day."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def ago(self, days: int = 0, hours: int = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def local(self, days_ago: int, hour: int, minute: int) -> datetime:
        day = self.now.astimezone(ISTANBUL) - timedelta(days=days_ago)
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def seed_if_empty(conn: sqlite3.Connection, now: datetime) -> None:
    if conn.execute("SELECT 1 FROM players LIMIT 1").fetchone() is None:
        seed(conn, now)


def reseed(conn: sqlite3.Connection, now: datetime) -> None:
    clear_all(conn)
    seed(conn, now)


def seed(conn: sqlite3.Connection, now: datetime) -> None:
    t = _Times(now)
    for p in PLAYERS:
        conn.execute(
            "INSERT INTO players VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (p.id, p.username, fold_username(p.username), p.full_name, p.email, p.phone,
             p.vip_level, p.status, db_time(t.ago(days=p.joined_days_ago)), p.language),
        )  # fmt: skip
        cash, bonus, withdrawable = (to_kurus(x) for x in p.balance)
        conn.execute(
            "INSERT INTO balances VALUES (?, ?, ?, ?, ?)",
            (p.id, cash, bonus, withdrawable, db_time(t.ago(hours=1))),
        )
    _seed_deposits(conn, t)
    _seed_withdrawals(conn, t)
    _seed_bonuses(conn, t)
    _seed_kyc(conn, t)


def _seed_deposits(conn: sqlite3.Connection, t: _Times) -> None:
    deposits = [
        (1001, "papara", 1000, "credited", t.ago(days=20), None),
        (1001, "havale_eft", 500, "credited", t.ago(days=8), None),
        (1001, "papara", 1500, "pending", t.local(1, 20, 40), None),
        (1002, "papara", 750, "credited", t.ago(days=5), None),
        (1002, "havale_eft", 2000, "credited", t.ago(hours=3), None),
        (1003, "havale_eft", 1200, "credited", t.ago(days=12), None),
        (1003, "kredi_karti", 1000, "failed", t.local(1, 14, 10),
         "3D Secure doğrulaması başarısız oldu; bankanız işlemi onaylamadı."),
        (1004, "havale_eft", 5000, "credited", t.ago(days=10), None),
        (1004, "papara", 1500, "credited", t.ago(days=6), None),
        (1005, "mefete", 300, "credited", t.ago(days=15), None),
        (1005, "papara", 1000, "credited", t.ago(days=2), None),
        (1006, "papara", 500, "credited", t.local(1, 19, 5), None),
        (1007, "cepbank", 400, "failed", t.ago(days=4, hours=2),
         "Gönderen adı hesap sahibiyle eşleşmiyor; tutar kaynağına iade edildi."),
        (1007, "payfix", 250, "credited", t.ago(days=4), None),
        (1008, "kripto", 2000, "credited", t.ago(days=7), None),
        (1008, "jeton", 300, "credited", t.ago(days=3), None),
        (1009, "havale_eft", 500, "credited", t.ago(days=40), None),
        (1010, "kripto", 30000, "credited", t.ago(days=9), None),
        (1010, "havale_eft", 25000, "credited", t.ago(days=3), None),
        (1010, "qr", 1000, "credited", t.ago(days=2), None),
        (1010, "parazula", 5000, "credited", t.ago(hours=20), None),
        (1011, "mobil_odeme", 100, "credited", t.ago(days=30), None),
    ]  # fmt: skip
    for number, (player, method, amount, state, at, reason) in enumerate(deposits, 50001):
        eta = DEPOSIT_ETA.get(method, timedelta(minutes=30))
        _insert_transaction(conn, "deposits", f"YT-{number}", player, method, amount, state,
                            at, eta, reason)  # fmt: skip


def _seed_withdrawals(conn: sqlite3.Connection, t: _Times) -> None:
    withdrawals = [
        (1001, "papara", 800, "paid", t.ago(days=15), None),
        (1003, "havale_eft", 1000, "rejected", t.ago(days=2), KYC_MISSING),
        (1004, "papara", 1200, "paid", t.ago(days=9), None),
        (1004, "havale_eft", 5000, "pending", t.ago(days=3), None),
        (1007, "papara", 150, "processing", t.ago(hours=2), None),
        (1010, "havale_eft", 15000, "paid", t.ago(days=6), None),
        (1010, "kripto", 20000, "processing", t.ago(hours=5), None),
    ]
    for number, (player, method, amount, state, at, reason) in enumerate(withdrawals, 70001):
        eta = WITHDRAWAL_ETA.get(method, timedelta(hours=24))
        _insert_transaction(conn, "withdrawals", f"CK-{number}", player, method, amount, state,
                            at, eta, reason)  # fmt: skip


def _insert_transaction(
    conn: sqlite3.Connection,
    table: str,
    reference: str,
    player: int,
    method: str,
    amount: float,
    state: str,
    at: datetime,
    eta: timedelta,
    reason: str | None,
) -> None:
    still_open = state in ("pending", "processing")
    settled = at if still_open else at + eta / 2
    conn.execute(
        f"INSERT INTO {table} (player_id, reference, method, amount, state, reason,"
        " created_at, updated_at, expected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (player, reference, method, to_kurus(amount), state, reason, db_time(at),
         db_time(settled), db_time(at + eta) if still_open else None),
    )  # fmt: skip


def _seed_bonuses(conn: sqlite3.Connection, t: _Times) -> None:
    campaigns = [
        ("HOSGELDIN100", "Hoş Geldin Bonusu",
         "İlk yatırımınıza %100, 1.000 TL'ye kadar bonus. Çevrim şartı bonusun 10 katı.",
         100, 1000, 10, 100, t.ago(days=-90), True, 0, True),
        ("HAFTASONU50", "Hafta Sonu Bonusu",
         "Hafta sonu yatırımınıza %50, 500 TL'ye kadar bonus. Çevrim şartı bonusun 8 katı.",
         50, 500, 8, 200, t.ago(days=-30), False, 0, True),
        ("YATIRIM20", "Yatırım Bonusu",
         "1.000 TL ve üzeri her yatırımınıza %20, 2.000 TL'ye kadar bonus. Çevrim şartı 6 kat.",
         20, 2000, 6, 1000, t.ago(days=-60), False, 0, False),
        ("VIPKAYIP25", "VIP Kayıp Bonusu",
         "VIP 3 ve üzeri üyelerimize son yatırımlarının %25'i, 5.000 TL'ye kadar. Çevrim 5 kat.",
         25, 5000, 5, 1000, t.ago(days=-30), False, 3, False),
        ("EKIM25", "Ekim Yatırım Bonusu",
         "Ekim ayına özel %25, 750 TL'ye kadar yatırım bonusu. Çevrim şartı 8 kat.",
         25, 750, 8, 250, t.ago(days=23), False, 0, True),
    ]  # fmt: skip
    for code, name, text, pct, cap, mult, minimum, until, first, vip, once in campaigns:
        conn.execute(
            "INSERT INTO bonus_campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (code, name, text, pct, to_kurus(cap), mult, to_kurus(minimum), db_time(until),
             int(first), vip, int(once)),
        )  # fmt: skip
    bonuses = [
        (1001, "HOSGELDIN100", 1000, 10000, 10000, "completed", t.ago(days=20)),
        (1005, "HAFTASONU50", 500, 4000, 2000, "active", t.ago(days=2)),
        (1010, "VIPKAYIP25", 5000, 25000, 25000, "completed", t.ago(days=8)),
    ]
    for player, code, amount, required, wagered, state, at in bonuses:
        conn.execute(
            "INSERT INTO player_bonuses (player_id, code, amount, wagering_required, wagered,"
            " state, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (player, code, to_kurus(amount), to_kurus(required), to_kurus(wagered), state,
             db_time(at), db_time(at + timedelta(days=30))),
        )  # fmt: skip


def _seed_kyc(conn: sqlite3.Connection, t: _Times) -> None:
    documents: dict[int, tuple[tuple[str, str], ...]] = {
        1001: APPROVED_SET,
        1002: (("pasaport", "approved"), ("fatura", "approved"), ("selfie", "approved")),
        1003: (("kimlik", "approved"),),
        1004: APPROVED_SET,
        1005: (("ehliyet", "approved"), ("fatura", "approved"), ("selfie", "approved")),
        1007: (("kimlik", "uploaded"), ("ikametgah", "uploaded"), ("selfie", "uploaded")),
        1008: (("kimlik", "approved"), ("fatura", "approved"), ("selfie", "rejected")),
        1009: APPROVED_SET,
        1010: (("pasaport", "approved"), ("ikametgah", "approved"), ("selfie", "approved")),
        1011: (("kimlik", "rejected"),),
    }
    reasons = {
        (1008, "selfie"): BLURRED_SELFIE,
        (1011, "kimlik"): "Belgenin geçerlilik süresi dolmuş; güncel bir kimlik yükleyin.",
    }
    joined = {p.id: p.joined_days_ago for p in PLAYERS}
    for player, docs in documents.items():
        under_review = any(state == "uploaded" for _, state in docs)
        uploaded = t.ago(days=1 if under_review else min(joined[player] - 1, 30))
        for doc_type, state in docs:
            reviewed = db_time(uploaded + timedelta(days=1)) if state != "uploaded" else None
            conn.execute(
                "INSERT INTO kyc_documents (player_id, type, state, reason, uploaded_at,"
                " reviewed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (player, doc_type, state, reasons.get((player, doc_type)), db_time(uploaded),
                 reviewed),
            )  # fmt: skip
