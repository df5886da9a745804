"""Units and shared bounds, in one neutral place every layer may import.

Money is USD at 2021 purchasing-power parity (USD PPP); time is in months.
"""

from __future__ import annotations

#: Upper bound of open-ended money amounts and counts in parameter declarations (USD PPP,
#: or a count): large enough for any real programme, small enough that a typo such as
#: ``1e300`` is refused rather than overflowing.
MAX_VALUE = 1.0e9

#: Days per month, on average (365.25 / 12): converts daily lines and wages to months.
DAYS_PER_MONTH = 365.25 / 12
