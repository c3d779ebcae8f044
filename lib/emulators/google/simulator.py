"""The simulator's parts, wired together once per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulators.google.config import SimulatorConfig
from emulators.google.discovery import Discovery
from emulators.google.faults import Control, Faults
from emulators.google.grants import Grants
from emulators.google.identity import Identity
from emulators.google.mutations import Writer
from emulators.google.push import PushHub
from emulators.google.recurrence import Expander
from emulators.google.store import Store


@dataclass
class Simulator:
    """Everything a request handler may need: state, tokens, faults, push, identity."""

    config: SimulatorConfig
    store: Store = field(default_factory=Store)
    control: Control = field(default_factory=Control)
    discovery: Discovery = field(default_factory=Discovery)
    identity: Identity = field(default_factory=Identity)

    def __post_init__(self) -> None:
        config = self.config
        self.grants = Grants(config.access_token_ttl, config.code_ttl, config.refresh_token_ttl)
        self.expander = Expander(self.config.horizon_days, self.config.max_instances)
        self.writer = Writer(self.store, self.expander)
        self.push = PushHub(self.control)
        self.store.listeners.append(self.push.calendar_changed)

    def reset(self) -> None:
        """Forget users, calendars, tokens, channels, faults and counters."""
        with self.store.lock:
            self.push.reset()
            self.store.reset()
            self.grants.reset()
            self.control.set_faults(Faults())
            self.control.reset_stats()

    def close(self) -> None:
        self.push.close()
