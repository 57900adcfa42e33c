"""crmkit: CRM domain logic as a typed, tested, storage-agnostic library.

The top level holds only the most used names. Records live in `crmkit.models`,
JSON in `crmkit.io`, errors in `crmkit.errors` and sample data in
`crmkit.datasets`. The analytic areas (`crmkit.segmentation`,
`crmkit.lifecycle`, `crmkit.loyalty`, `crmkit.metrics`, `crmkit.funnel`) are
planned subpackages, filled in by later releases.

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
