"""The lifecycle issue's contract: its calls, verbatim, must work as written."""

from __future__ import annotations


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold."""
    # fmt: off
    from datetime import date  # noqa: I001
    from crmkit import io
    from crmkit.errors import TransitionNotAllowedError
    from crmkit.lifecycle import (StateMachine, CUSTOMER_LIFECYCLE, SALES_PIPELINE, MARKETING_STAGES,
        classify_stages, StageRules, intervention_plan)
    from crmkit.datasets import load_sample
    m = CUSTOMER_LIFECYCLE
    step = m.fire(m.initial, "first_purchase")
    assert step.source == m.initial and step.target in m.stages
    assert io.from_json(StateMachine, io.to_json(SALES_PIPELINE)) == SALES_PIPELINE
    try:
        SALES_PIPELINE.fire("won", "qualify")
    except TransitionNotAllowedError as e:
        assert e.stage == "won" and e.event == "qualify"  # noqa: PT017
    else:
        raise AssertionError("terminal stage accepted an event")  # noqa: EM101
    res = classify_stages(load_sample().transactions, as_of=date(2025, 1, 1), rules=StageRules())
    assert sum(res.counts.values()) == load_sample().transactions.n_customers
    assert "graph" in m.to_mermaid() or "stateDiagram" in m.to_mermaid()
    # fmt: on


def test_contract_bad_inputs_raise_naming_the_item() -> None:
    """The issue's bad-input list: an unknown stage or event, a machine whose JSON names an
    undefined stage, a guard with an unknown operator, as_of before every transaction, and
    contradictory thresholds (at risk beyond churned) raise crmkit errors naming the item
    (or listing the problem); nothing is half-applied: the machine is unchanged after."""
    import json
    from datetime import date

    import numpy as np
    import pytest

    from crmkit import Transactions, io
    from crmkit.errors import (
        InvalidDefinitionError,
        InvalidInputError,
        TransitionNotAllowedError,
    )
    from crmkit.lifecycle import (
        CUSTOMER_LIFECYCLE,
        SALES_PIPELINE,
        StageRules,
        StateMachine,
        classify_stages,
    )

    before = io.to_json(SALES_PIPELINE)
    txns = Transactions.from_arrays(
        customer_id=["a", "a", "b"],
        at=np.array(["2025-01-01", "2025-01-11", "2025-01-05"], dtype="datetime64[us]"),
        amount=[10.0, 20.0, 5.0],
    )

    with pytest.raises(
        InvalidInputError, match=r"'stage' must be a stage of the machine.*'closed'"
    ):
        SALES_PIPELINE.fire("closed", "qualify")
    with pytest.raises(TransitionNotAllowedError, match=r"'teleport'.*'proposal'") as refused:
        SALES_PIPELINE.fire("proposal", "teleport")
    assert ("negotiate", "win", "lose") == refused.value.allowed_events
    with pytest.raises(InvalidInputError, match=r"'events'.*'teleport' at index 0"):
        SALES_PIPELINE.fire_many(["proposal"], ["teleport"])

    undefined = io.to_dict(SALES_PIPELINE)
    undefined["transitions"][0]["target"] = "nowhere"
    with pytest.raises(InvalidDefinitionError) as caught:
        io.from_json(StateMachine, json.dumps(undefined))
    assert "transition 0 ('qualify'): target 'nowhere' is not a stage" in caught.value.problems

    bad_guard = io.to_dict(CUSTOMER_LIFECYCLE)
    bad_guard["transitions"][2]["guard"][0]["op"] = "=~"
    with pytest.raises(InvalidInputError, match=r"'transitions\[2\]\.guard\[0\]\.op'.*'=~'"):
        io.from_json(StateMachine, json.dumps(bad_guard))

    with pytest.raises(InvalidInputError, match=r"'as_of' must be at or after the first"):
        classify_stages(txns, as_of=date(2024, 12, 31))
    with pytest.raises(InvalidDefinitionError) as contradictory:
        StageRules(at_risk_percentile=0.96, churn_percentile=0.9)
    assert (
        "at_risk_percentile (0.96) must be below churn_percentile (0.9)",
    ) == contradictory.value.problems
    with pytest.raises(InvalidDefinitionError, match=r"at_risk_factor \(5\) must be below"):
        StageRules(method="rhythm", at_risk_factor=5, churn_factor=3)

    assert before == io.to_json(SALES_PIPELINE)
