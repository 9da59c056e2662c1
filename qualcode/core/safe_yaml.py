"""YAML without aliases: codebooks, `qualcode.yaml` and front matter are read with this loader.

`yaml.safe_load` runs no code, but aliases (`&a` … `*a`) let a few hundred bytes expand into
gigabytes ("billion laughs") once the data is walked. qualcode's files never need them, so an
alias is refused where it stands, with its line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.error import MarkedYAMLError
from qualcode.core.i18n import _


class AliasError(MarkedYAMLError):
    """A YAML alias (`*name`) in a file qualcode reads."""


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasError(
                problem=_("YAML aliases (*{anchor}) are not allowed — write out the value instead").format(anchor=event.anchor),
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def load(text: str) -> Any:
    """`yaml.safe_load` that refuses aliases (raises AliasError, a yaml.YAMLError with a mark)."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
