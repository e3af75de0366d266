"""The drivers' rules applied to a truck's day: continuous driving, breaks, stops.

PARAMETERS.md §2: at most 4 h of continuous driving, then a stop of at least 20 min
(道路交通安全法实施条例 Art. 62(7), all drivers). No daily driving cap is sourced for
freight drivers; a multi-day leg works at most ``work_s_per_day`` a day (8 h, the Labour
Law's working day, PARAMETERS.md §2).

Rules of this clock (documented assumptions):

- a stop of at least ``break_s`` (loading, unloading, waiting for a market to open) counts
  as the rest the rule asks for and resets the continuous-driving counter; a shorter stop
  does not;
- a truck starts a market run rested (its collection trips end with unloading at a store);
- when a leg would take the counter past ``max_continuous_drive_s``, the truck stops for
  ``break_s`` exactly when the counter reaches it, then drives on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOUR_S = 3600
MINUTE_S = 60


@dataclass(frozen=True)
class DrivingRules:
    """Drivers' rules and service times of a market run.

    Attributes
    ----------
    max_continuous_drive_s
        4 h (PARAMETERS.md §2, 实施条例 Art. 62(7)).
    break_s
        20 min (same article).
    load_s_per_stop
        Loading at a store: 20 min per stop. ASSUMPTION (no source).
    unload_s
        Unloading at a market: 30 min. ASSUMPTION (no source).
    work_s_per_day
        Working time per day on a multi-day leg: 8 h (劳动法 Art. 36, PARAMETERS.md §2).
    """

    max_continuous_drive_s: float = 4 * HOUR_S
    break_s: float = 20 * MINUTE_S
    load_s_per_stop: float = 20 * MINUTE_S
    unload_s: float = 30 * MINUTE_S
    work_s_per_day: float = 8 * HOUR_S

    def assumptions(self) -> list[str]:
        """The rules without a source, in plain words."""
        return [f"loading at a store: {self.load_s_per_stop / MINUTE_S:g} min per stop "
                "(assumption)",
                f"unloading at a market: {self.unload_s / MINUTE_S:g} min (assumption)",
                "a stop of at least the break length (loading, unloading, waiting) counts "
                "as the driver's rest (assumption)",
                "a truck starts its market run rested (assumption)"]


@dataclass(frozen=True)
class Break:
    """A driver's rest inserted in a leg: when it starts and how long it lasts."""

    start_s: float
    duration_s: float


@dataclass
class Clock:
    """A truck's clock along a run: time, driving counters and the breaks taken.

    Attributes
    ----------
    t_s
        Current time, seconds from midnight of the run's first day.
    continuous_s
        Driving since the last rest.
    drive_s, distance_m
        Totals driven so far.
    breaks
        Rests inserted by the 4 h rule.
    legs_m
        Distance of each leg driven, in order.
    day_work_s
        ``None`` for a day run; for a multi-day leg the working time per day: when the
        day's work (driving, rests, stops) reaches it, the truck stands overnight and goes
        on at the same clock time the next day (``nights`` counts them).
    """

    rules: DrivingRules
    t_s: float
    continuous_s: float = 0.0
    drive_s: float = 0.0
    distance_m: float = 0.0
    breaks: list[Break] = field(default_factory=list)
    legs_m: list[float] = field(default_factory=list)
    day_work_s: float | None = None
    nights: int = 0
    worked_s: float = 0.0
    day_start_s: float | None = None

    def drive(self, time_s: float, distance_m: float) -> None:
        """Drive a leg, resting each time the continuous counter reaches 4 h (and, on a
        multi-day leg, standing overnight when the day's work is done)."""
        if self.day_start_s is None:
            self.day_start_s = self.t_s
        left = float(time_s)
        limit = self.rules.max_continuous_drive_s
        while left > 0:
            to_rest = limit - self.continuous_s
            to_night = max(0.0, self.day_work_s - self.worked_s) if self.day_work_s \
                else float("inf")
            part = min(left, to_rest, to_night)
            self._advance(part)
            self.continuous_s += part
            left -= part
            if left <= 0:
                break
            if part == to_night:
                self._overnight()
            else:
                self.breaks.append(Break(self.t_s, self.rules.break_s))
                self._advance(self.rules.break_s)
                self.continuous_s = 0.0
        self.drive_s += float(time_s)
        self.distance_m += float(distance_m)
        self.legs_m.append(float(distance_m))

    def _advance(self, seconds: float) -> None:
        self.t_s += seconds
        self.worked_s += seconds

    def _overnight(self) -> None:
        start = self.day_start_s if self.day_start_s is not None else self.t_s
        self.day_start_s = start + 86_400
        self.t_s = self.day_start_s
        self.worked_s = 0.0
        self.continuous_s = 0.0
        self.nights += 1

    def stop(self, duration_s: float) -> None:
        """Stand still (load, unload, wait); a long enough stop is a rest."""
        if self.day_start_s is None:
            self.day_start_s = self.t_s
        self._advance(duration_s)
        if duration_s >= self.rules.break_s:
            self.continuous_s = 0.0

    def wait_until(self, t_s: float) -> None:
        """Wait (a stop) until ``t_s`` if it is later than now."""
        if t_s > self.t_s:
            self.stop(t_s - self.t_s)

    @property
    def break_s(self) -> float:
        """Total time of the inserted rests."""
        return sum(b.duration_s for b in self.breaks)
