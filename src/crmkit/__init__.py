"""crmkit: CRM domain logic as a typed, tested, storage-agnostic library.

The top level holds only the most used names; each area lives in its own
subpackage (:mod:`crmkit.segmentation`, :mod:`crmkit.lifecycle`,
:mod:`crmkit.loyalty`, :mod:`crmkit.metrics`, :mod:`crmkit.funnel`).

Examples:
    >>> import crmkit
    >>> from crmkit import Transactions, io
    >>> crmkit.__version__ == crmkit.__version__.strip()
    True
"""

from importlib.metadata import PackageNotFoundError, version

from crmkit import io
from crmkit.transactions import Transactions

try:
    __version__ = version("crmkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["Transactions", "__version__", "io"]
