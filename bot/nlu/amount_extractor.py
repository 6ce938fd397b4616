"""TurkishAmountExtractor: amounts of money as entities in Duckling's amount-of-money shape."""

from __future__ import annotations

from bot.nlu.component import Component
from bot.nlu.message import Entity, Message
from bot.nlu.registry import registry
from bot.nlu.turkish_numbers import find_amounts

__all__ = ["TurkishAmountExtractor"]

CONFIDENCE_WITH_CURRENCY = 1.0
CONFIDENCE_BARE = 0.6


@registry.component(
    "TurkishAmountExtractor",
    defaults={"entity_name": "amount", "default_currency": "TRY", "include_bare_numbers": True},
)
class TurkishAmountExtractor(Component):
    """Finds "1.500 TL", "₺250", "bin beş yüz lira" and, optionally, bare numbers ("500").

    ``value`` is ``{"value": 1500.0, "unit": "TRY"}``; a number written without a currency
    gets ``default_currency`` as its unit and a lower confidence.
    """

    def __init__(
        self,
        entity_name: str = "amount",
        default_currency: str | None = "TRY",
        include_bare_numbers: bool = True,
    ) -> None:
        self.entity_name = entity_name
        self.default_currency = default_currency
        self.include_bare_numbers = include_bare_numbers

    def process(self, message: Message) -> None:
        for match in find_amounts(message.text):
            if not match.has_currency and not self.include_bare_numbers:
                continue
            message.entities.append(
                Entity(
                    start=match.start,
                    end=match.end,
                    entity=self.entity_name,
                    value={"value": match.value, "unit": match.currency or self.default_currency},
                    extractor=self.component_name,
                    confidence=CONFIDENCE_WITH_CURRENCY if match.has_currency else CONFIDENCE_BARE,
                    text=match.text,
                    additional_info={"has_currency": match.has_currency},
                )
            )
