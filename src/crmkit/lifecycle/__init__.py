"""Lifecycle: declarative stage machines and behaviour-based stage classification.

Planned (issue "Lifecycle"): state machines as frozen rules values with pure
`fire`/`replay` operations, stock machines (customer lifecycle, sales
pipelines, marketing stages), stage classification from transactions, churn
early warning and intervention plans. Nothing here is available yet.
"""

__all__: list[str] = []
