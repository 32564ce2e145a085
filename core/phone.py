"""Phone numbers, validated and normalised with the ``phonenumbers`` library."""

from __future__ import annotations

import phonenumbers

from core.errors import InvalidInput


def normalize_phone(raw: str, region: str = "CN") -> str:
    """Return ``raw`` in E.164 form, or raise ``INVALID_PHONE`` saying what is wrong."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(
            f"phone {raw!r} is not a phone number ({exc}); give a mobile or landline number, "
            "with +country code if it is not local",
            code="INVALID_PHONE",
            field="phone",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            f"phone {raw!r} is not a valid number for region {region}; check the digits",
            code="INVALID_PHONE",
            field="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str | None:
    """C-13: show the country code and the last four digits only."""
    if not e164:
        return e164
    return e164[:3] + "*" * max(0, len(e164) - 7) + e164[-4:]
