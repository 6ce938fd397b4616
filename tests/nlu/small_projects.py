"""Small projects in Rasa's layout: many intents, five examples each.

The shape of a first Rasa project (``rasa init`` plus a few dozen FAQ-like intents): the
data the default pipelines must give honest confidences on. Examples of 45 intents are
generated from two phrasings of each intent's topic and a handful of carrier sentences;
five chit-chat intents are written out. Every intent has five training examples (a few
fewer) and one paraphrase that is never trained on.
"""

from __future__ import annotations

import random
from pathlib import Path

from bot.nlu.training_data import Example, TrainingData

__all__ = [
    "ENGLISH_CHITCHAT",
    "ENGLISH_TOPICS",
    "TURKISH_CHITCHAT",
    "TURKISH_TOPICS",
    "gibberish",
    "small_project",
    "write_project",
]

# intent: two phrasings of what the user wants
ENGLISH_TOPICS: dict[str, tuple[str, str]] = {
    "reset_password": ("reset my password", "recover a forgotten password"),
    "change_email": ("change my email address", "update the email on my account"),
    "delete_account": ("delete my account", "close my profile for good"),
    "track_order": ("track my order", "see where my parcel is"),
    "cancel_order": ("cancel my order", "stop the purchase i just made"),
    "return_item": ("return an item", "send back a product i bought"),
    "refund_status": ("check my refund", "know when my money comes back"),
    "shipping_cost": ("know the shipping cost", "find out delivery fees"),
    "delivery_time": ("know how long delivery takes", "get my package faster"),
    "payment_methods": ("see which payment methods you accept", "pay with paypal"),
    "add_card": ("add a new credit card", "save another card to my wallet"),
    "remove_card": ("remove a saved card", "unlink my old debit card"),
    "invoice": ("get an invoice", "download a receipt for my purchase"),
    "discount_code": ("use a discount code", "apply a coupon at checkout"),
    "gift_card": ("buy a gift card", "redeem a gift voucher"),
    "opening_hours": ("know your opening hours", "find out when the shop closes"),
    "store_location": ("find the nearest store", "get the address of your branch"),
    "contact_human": ("talk to a real person", "speak with an agent"),
    "complaint": ("file a complaint", "report terrible service"),
    "newsletter": ("unsubscribe from the newsletter", "stop marketing emails"),
    "change_address": ("change my delivery address", "update where you ship to"),
    "change_phone": ("change my phone number", "update my mobile number"),
    "two_factor": ("turn on two factor authentication", "set up a login code by sms"),
    "account_locked": ("unlock my blocked account", "get back into a locked profile"),
    "subscription_upgrade": ("upgrade my plan", "move to the premium subscription"),
    "subscription_cancel": ("cancel my subscription", "end the monthly membership"),
    "price_match": ("ask for a price match", "get the lower price a competitor offers"),
    "warranty": ("claim the warranty", "repair a broken device under guarantee"),
    "size_guide": ("see the size guide", "know which size fits me"),
    "out_of_stock": ("know when an item is back in stock", "get notified of restocks"),
    "loyalty_points": ("check my loyalty points", "spend my reward points"),
    "app_crash": ("fix the app that keeps crashing", "stop the app closing on start"),
    "website_down": ("report that the website is down", "load your site that is not opening"),
    "language_change": ("switch the language to english", "change the display language"),
    "data_export": ("export my personal data", "get a copy of what you store about me"),
    "privacy_policy": ("read the privacy policy", "know how you use my data"),
    "careers": ("apply for a job", "see open positions at your company"),
    "wholesale": ("order in bulk for my business", "get wholesale prices"),
    "gift_wrap": ("add gift wrapping", "wrap my order as a present"),
    "order_missing_item": ("report an item missing from my parcel", "get the product left out"),
    "damaged_item": ("report a damaged item", "replace the product that arrived broken"),
    "bot_challenge": ("know if you are a bot", "check whether i am talking to a human"),
    "feedback": ("leave feedback about the service", "rate my experience"),
    "order_history": ("see my past orders", "view my purchase history"),
    "change_password": ("set a new password while logged in", "pick a stronger password"),
}

TURKISH_TOPICS: dict[str, tuple[str, str]] = {
    "sifre_sifirlama": ("şifremi sıfırlamak", "unuttuğum parolayı yenilemek"),
    "eposta_degistirme": ("e-posta adresimi değiştirmek", "hesaptaki maili güncellemek"),
    "hesap_silme": ("hesabımı silmek", "üyeliğimi tamamen kapatmak"),
    "siparis_takip": ("siparişimi takip etmek", "kargom nerede öğrenmek"),
    "siparis_iptal": ("siparişimi iptal etmek", "az önceki alışverişi durdurmak"),
    "urun_iade": ("ürünü iade etmek", "aldığım malı geri göndermek"),
    "iade_durumu": ("iademin durumunu sormak", "param ne zaman geri gelir öğrenmek"),
    "kargo_ucreti": ("kargo ücretini öğrenmek", "teslimat bedeli ne kadar sormak"),
    "teslim_suresi": ("teslimat süresini öğrenmek", "paketim kaç günde gelir sormak"),
    "odeme_yontemleri": ("hangi ödeme yöntemleri var öğrenmek", "papara ile ödemek"),
    "kart_ekleme": ("yeni kredi kartı eklemek", "cüzdana başka kart kaydetmek"),
    "kart_silme": ("kayıtlı kartımı kaldırmak", "eski banka kartını silmek"),
    "fatura": ("fatura almak", "alışverişin dekontunu indirmek"),
    "indirim_kodu": ("indirim kodu kullanmak", "kupon kodunu sepete uygulamak"),
    "hediye_karti": ("hediye kartı satın almak", "hediye çekini bozdurmak"),
    "calisma_saatleri": ("çalışma saatlerinizi öğrenmek", "mağaza kaçta kapanıyor sormak"),
    "magaza_konumu": ("en yakın mağazayı bulmak", "şubenizin adresini almak"),
    "temsilci": ("gerçek bir kişiyle konuşmak", "müşteri temsilcisine bağlanmak"),
    "sikayet": ("şikayette bulunmak", "berbat hizmeti bildirmek"),
    "bulten": ("bülten aboneliğinden çıkmak", "reklam maillerini durdurmak"),
    "adres_degistirme": ("teslimat adresimi değiştirmek", "gönderim adresini güncellemek"),
    "telefon_degistirme": ("telefon numaramı değiştirmek", "cep numaramı güncellemek"),
    "iki_adimli": ("iki adımlı doğrulamayı açmak", "sms ile giriş kodu kurmak"),
    "hesap_kilidi": ("kilitlenen hesabımı açmak", "bloke olan profile tekrar girmek"),
    "paket_yukseltme": ("paketimi yükseltmek", "premium üyeliğe geçmek"),
    "abonelik_iptal": ("aboneliğimi iptal etmek", "aylık üyeliği sonlandırmak"),
    "fiyat_esleme": ("fiyat eşleme istemek", "rakipteki düşük fiyatı almak"),
    "garanti": ("garantiden yararlanmak", "bozulan cihazı garantide tamir ettirmek"),
    "beden_tablosu": ("beden tablosuna bakmak", "hangi beden olur öğrenmek"),
    "stok": ("ürün ne zaman stoğa girer öğrenmek", "stok gelince haber almak"),
    "sadakat_puani": ("puanlarımı kontrol etmek", "biriken ödül puanlarını harcamak"),
    "uygulama_cokuyor": ("sürekli çöken uygulamayı düzeltmek", "açılışta kapanan uygulama"),
    "site_acilmiyor": ("sitenin çöktüğünü bildirmek", "açılmayan sitenize girmek"),
    "dil_degistirme": ("dili ingilizceye çevirmek", "arayüz dilini değiştirmek"),
    "veri_indirme": ("kişisel verilerimi dışa aktarmak", "hakkımda tuttuğunuz bilgileri almak"),
    "gizlilik": ("gizlilik politikasını okumak", "verilerimi nasıl kullandığınızı öğrenmek"),
    "kariyer": ("iş başvurusu yapmak", "açık pozisyonlarınızı görmek"),
    "toptan": ("işletmem için toplu sipariş vermek", "toptan fiyat almak"),
    "hediye_paketi": ("hediye paketi eklemek", "siparişimi hediye olarak sarmak"),
    "eksik_urun": ("kolide eksik ürün bildirmek", "gönderilmeyen parçayı almak"),
    "hasarli_urun": ("hasarlı ürün bildirmek", "kırık gelen ürünü değiştirmek"),
    "bot_mu": ("bot olup olmadığınızı sormak", "insanla mı konuşuyorum öğrenmek"),
    "geri_bildirim": ("hizmet hakkında geri bildirim bırakmak", "deneyimimi puanlamak"),
    "siparis_gecmisi": ("eski siparişlerimi görmek", "alışveriş geçmişime bakmak"),
    "sifre_degistirme": ("giriş yapmışken yeni şifre belirlemek", "daha güçlü parola seçmek"),
}

# As in real first projects, a few intents have fewer examples than the rest.
_FEWER = {"bot_challenge": 1, "bot_mu": 1, "feedback": 2, "geri_bildirim": 2}

_ENGLISH_CARRIERS = (
    "{}",
    "i want to {}",
    "how do i {}",
    "can you help me {}",
    "i need to {} please",
    "is it possible to {}",
)
_TURKISH_CARRIERS = (
    "{}",
    "{} istiyorum",
    "nasıl {} mümkün",
    "{} için yardım eder misiniz",
    "lütfen {} istiyorum",
    "{} mümkün mü",
)


# Chit-chat is written as people write it: short, no carrier sentence. Five to train
# on, then the paraphrase.
ENGLISH_CHITCHAT: dict[str, tuple[str, ...]] = {
    "greet": ("hi", "hello", "hey there", "good morning", "hello there", "hey"),
    "goodbye": ("bye", "goodbye", "see you later", "have a nice day", "bye bye", "see you"),
    "thank": ("thanks", "thank you", "thanks a lot", "many thanks", "cheers", "thank you so much"),
    "affirm": ("yes", "yeah", "correct", "that is right", "sure", "yes please"),
    "deny": ("no", "nope", "not really", "that is wrong", "no thanks", "no way"),
}
TURKISH_CHITCHAT: dict[str, tuple[str, ...]] = {
    "selamlama": ("merhaba", "selam", "iyi günler", "günaydın", "merhabalar", "selamlar"),
    "vedalasma": ("hoşça kal", "görüşürüz", "iyi akşamlar", "bay bay", "kendine iyi bak", "bye"),
    "tesekkur": ("teşekkürler", "sağ ol", "çok teşekkür ederim", "eyvallah", "tşk", "sağolun"),
    "onay": ("evet", "aynen", "doğru", "tabii", "evet lütfen", "kesinlikle"),
    "ret": ("hayır", "yok", "istemiyorum", "hayır yanlış", "gerek yok", "yok kalsın"),
}


def _examples(topics: dict[str, tuple[str, str]], carriers: tuple[str, ...]) -> list[Example]:
    """Six sentences per intent: five to train on, then the paraphrase (a carrier and a
    phrasing combination no training example uses)."""
    out = []
    for index, (intent, phrasings) in enumerate(topics.items()):
        combos = [(c, p) for c in range(len(carriers)) for p in range(len(phrasings))]
        rotated = combos[index % len(combos) :] + combos[: index % len(combos)]
        for c, p in rotated[:6]:
            out.append(Example(carriers[c].format(phrasings[p]), intent))
    return out


def small_project(language: str) -> tuple[TrainingData, list[Example]]:
    """The training data (five examples an intent, a few fewer) and one unseen
    paraphrase an intent."""
    if language == "tr":
        examples = _examples(TURKISH_TOPICS, _TURKISH_CARRIERS)
        chitchat = TURKISH_CHITCHAT
    else:
        examples = _examples(ENGLISH_TOPICS, _ENGLISH_CARRIERS)
        chitchat = ENGLISH_CHITCHAT
    examples += [Example(text, intent) for intent, texts in chitchat.items() for text in texts]
    train = [e for i, e in enumerate(examples) if i % 6 < _FEWER.get(e.intent or "", 5)]
    paraphrases = [e for i, e in enumerate(examples) if i % 6 == 5]
    return TrainingData(tuple(train)), paraphrases


def gibberish(count: int, seed: int = 0) -> list[str]:
    """Random letter strings of one to four words: nothing a user means."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    texts = []
    for _ in range(count):
        words = [
            "".join(rng.choice(letters) for _ in range(rng.randint(3, 9)))
            for _ in range(rng.randint(1, 4))
        ]
        texts.append(" ".join(words))
    return texts


def write_project(root: Path, language: str, pipeline_yaml: str) -> Path:
    """Write config.yml and data/nlu.yml in Rasa's layout; returns config.yml's path."""
    data, _ = small_project(language)
    (root / "data").mkdir(parents=True, exist_ok=True)
    lines = ['version: "3.1"', "nlu:"]
    by_intent: dict[str, list[str]] = {}
    for example in data.examples:
        by_intent.setdefault(example.intent or "", []).append(example.text)
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {t}" for t in texts)]
    (root / "data" / "nlu.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = root / "config.yml"
    config.write_text(
        f"recipe: default.v1\nlanguage: {language}\nassistant_id: t\npipeline:{pipeline_yaml}\n",
        encoding="utf-8",
    )
    return config
