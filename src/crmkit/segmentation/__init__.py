"""Segmentation: who is a high-value customer, and who is slipping away.

Planned (issue "Segmentation"): RFM summaries, scores and named segments;
segment schemes as data; B2C, B2B and value-class rule sets; Pareto/ABC
classes, Lorenz curves, Gini coefficients, value matrices and k-means
segments. Nothing here is available yet.
"""

__all__: list[str] = []
