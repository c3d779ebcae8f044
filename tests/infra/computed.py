"""The attributes the Google provider computes by formula, filled into evaluated values.

`Evaluator` (terraform.py) leaves resource and data source attributes symbolic, e.g.
`${google_service_account.runtime["worker"].email}`; `concrete` replaces those whose value is
known before anything exists (an email from the account id, a queue's id from its location and
name, ...) and leaves every other attribute symbolic.
"""

from __future__ import annotations

import re
from typing import Any

from tests.infra.terraform import Config, Evaluator

_ATTRIBUTE = re.compile(r"\$\{(\w+)\.(\w+)(?:\[\"([^\"]+)\"\])?\.(\w+)\}")
_DATA = re.compile(r"\$\{data\.(\w+)\.(\w+)\.(\w+)\}")
SAMPLE_PROJECT_NUMBER = "123456789012"  # what `data.google_project` gives the sample project


def concrete(value: Any, config: Config, evaluator: Evaluator) -> Any:
    """`value` with the resource attributes the provider computes by formula filled in."""
    if isinstance(value, dict):
        return {key: concrete(item, config, evaluator) for key, item in value.items()}
    if isinstance(value, list):
        return [concrete(item, config, evaluator) for item in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        rtype, name, key, attribute = match.groups()
        body = config.resources[(rtype, name)]
        scoped = evaluator.with_each(key, None) if key is not None else evaluator
        project = evaluator.variables["project"]

        def attr(name: str) -> Any:
            return scoped.value(body[name])

        formulas = {
            ("google_service_account", "email"): lambda: (
                f"{attr('account_id')}@{project}.iam.gserviceaccount.com"
            ),
            ("google_cloud_tasks_queue", "id"): lambda: (
                f"projects/{project}/locations/{attr('location')}/queues/{attr('name')}"
            ),
            ("google_firestore_database", "name"): lambda: attr("name"),
            ("google_secret_manager_secret", "secret_id"): lambda: attr("secret_id"),
        }
        formula = formulas.get((rtype, attribute))
        return str(formula()) if formula else match[0]

    def fill_data(match: re.Match[str]) -> str:
        if match.groups() == ("google_project", "this", "number"):
            return SAMPLE_PROJECT_NUMBER
        return match[0]

    return _ATTRIBUTE.sub(fill, _DATA.sub(fill_data, value))
