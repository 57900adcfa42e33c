"""Funnel: stage conversion, velocity, pipeline forecasts and lead scoring.

Planned (issue "Funnel"): conversion and velocity per pipeline stage, weighted
and Markov-chain pipeline forecasts with intervals, calibration reports, and
lead scorers. Nothing here is available yet.
"""

__all__: list[str] = []
