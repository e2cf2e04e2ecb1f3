"""The calibration search (footage.calibration says what it promises and keeps).

Pure: a ``Measure`` runs the real encodes (edge_uploader.calibrator). Per
(codec, preset, denoise, psy) family the integer CRF is bisected to each level's
promise plus the margin, starting each lower floor where the higher one ended;
a family whose first trial is over the CPU limit costs that one trial. Then,
per level, the family whose bytes promise most at the aim is refined between
its passing CRF and the failing one above to a ``crf_step`` grid
(``refine_crf``: every VMAF point above the promise costs bytes), and the
longest GOP seeking allows is tried on the level's winner.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from footage.calibration import (
    SEED_EQUIVALENT,
    WORTH,
    CalibrationConfig,
    LevelChoice,
    Measure,
    Trial,
)
from footage.profiles import Profile


def refine_crf(
    vmaf_at: Callable[[float], float], passing: tuple[float, float],
    failing: tuple[float, float], aim: float, step: float,
) -> float:  # fmt: skip
    """The highest CRF on ``step``'s grid from a ``passing`` (CRF, VMAF) point up to a
    ``failing`` one whose VMAF (``vmaf_at`` measures it) meets ``aim``. Each guess
    interpolates VMAF linearly between the nearest measured points either side
    (regula falsi on the grid); only a measured pass moves the answer, so it never
    lands under ``aim``, and it stops when the two are one step apart."""
    (low, v_low), (high, v_high) = passing, failing
    while high - low > step * 1.001:
        share = (v_low - aim) / (v_low - v_high) if v_low > v_high else 0.5
        steps = math.floor(share * (high - low) / step + 1e-9)
        guess = round(min(max(low + steps * step, low + step), high - step), 6)
        score = vmaf_at(guess)
        if score >= aim:
            low, v_low = guess, score
        else:
            high, v_high = guess, score
    return low


class Searcher:
    """The search over one camera's samples; ``measure`` runs the real encodes."""

    def __init__(self, config: CalibrationConfig, measure: Measure, cpu_limit: float) -> None:
        self.config = config
        self.measure = measure
        self.cpu_limit = cpu_limit  # CPU-s per footage-second the encoder can afford
        self.trials: dict[Profile, Trial] = {}
        self.seed: Trial | None = None  # SEED_EQUIVALENT on the samples (not a candidate)

    def trial(self, profile: Profile) -> Trial:
        if profile not in self.trials:
            self.trials[profile] = self.measure(profile)
        return self.trials[profile]

    def families(self) -> list[Profile]:
        """One base profile per (codec, preset, denoise, psy), at the search's first GOP."""
        cfg = self.config
        return [
            Profile(codec=codec, crf=cfg.crf_min, preset=preset, gop_seconds=cfg.gop_s,
                    denoise=denoise, psy=psy)
            for codec in cfg.codecs for preset in cfg.presets(codec)
            for denoise in (False, True) for psy in cfg.psy
        ]  # fmt: skip

    def seed_floors(self) -> list[float | None]:
        """Per level, the seed-relative floor where it is above the declared one."""
        floors: list[float | None] = [None] * len(self.config.vmaf_floors)
        points = self.config.seed_points
        if points is not None:
            self.seed = self.measure(SEED_EQUIVALENT)
            relative = round(self.seed.vmaf - points, 2)
            floors[0] = relative if relative > self.config.vmaf_floors[0] else None
        return floors

    def bisect(self, base: Profile, floor: float, low: int) -> int | None:
        """The highest CRF from ``low`` whose VMAF meets ``floor`` (None: not even ``low``)."""
        lo, hi, best = low, self.config.crf_max, None
        while lo <= hi:
            mid = (lo + hi) // 2
            if self.trial(base.model_copy(update={"crf": mid})).vmaf >= floor:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        return best

    def run(self) -> list[LevelChoice]:
        cfg = self.config
        seed_floors = self.seed_floors()
        promises = [max(f, s or 0.0) for f, s in zip(cfg.vmaf_floors, seed_floors, strict=True)]
        for base in self.families():
            low = cfg.crf_min
            first = self.trial(base.model_copy(update={"crf": (low + cfg.crf_max) // 2}))
            if first.cpu_per_s > self.cpu_limit:
                continue  # this codec/filter is over the CPU budget whatever the CRF
            for promise in promises:
                found = self.bisect(base, promise + cfg.vmaf_margin, low)
                if found is None:
                    break  # a lower floor may pass with another family; this one cannot
                low = found
        levels = []
        for n, floor in enumerate(cfg.vmaf_floors, start=1):
            aim = promises[n - 1] + cfg.vmaf_margin
            self.refine(aim)
            best = self._best(aim)
            if best is not None and cfg.max_gop_s > best.profile.gop_seconds:
                longer = best.profile.model_copy(update={"gop_seconds": cfg.max_gop_s})
                self.trial(longer)
                best = self._best(aim)
            levels.append(_choice(n, floor, seed_floors[n - 1], best))
        return levels

    def refine(self, aim: float) -> None:
        """Refine the family whose bytes promise most at ``aim`` to the CRF grid."""
        pairs = [pair for pair in map(self._bracket, self._family_bests(aim)) if pair]
        if not pairs:
            return
        ok, bad = min(pairs, key=lambda pair: _bytes_at(pair[0], pair[1], aim))
        base = ok.profile

        def vmaf_at(crf: float) -> float:
            return self.trial(base.model_copy(update={"crf": crf})).vmaf

        passing, failing = (ok.profile.crf, ok.vmaf), (bad.profile.crf, bad.vmaf)
        refine_crf(vmaf_at, passing, failing, aim, self.config.crf_step)

    def _family_bests(self, aim: float) -> list[Trial]:
        """Per (codec, preset, denoise, psy, GOP), the passing trial with the fewest bytes."""
        best: dict[tuple[object, ...], Trial] = {}
        for t in self._passing(aim):
            key = _family(t.profile)
            if key not in best or t.bytes < best[key].bytes:
                best[key] = t
        return list(best.values())

    def _bracket(self, ok: Trial) -> tuple[Trial, Trial] | None:
        """``ok`` and the lowest measured CRF above it in its family (None: not measured)."""
        family, crf = _family(ok.profile), ok.profile.crf
        above = [
            t for t in self.trials.values() if _family(t.profile) == family and t.profile.crf > crf
        ]
        bad = min(above, key=lambda t: t.profile.crf, default=None)
        return (ok, bad) if bad is not None and bad.vmaf < ok.vmaf else None

    def _passing(self, floor: float) -> list[Trial]:
        return [
            t for t in self.trials.values()
            if t.vmaf >= floor and t.cpu_per_s <= self.cpu_limit
        ]  # fmt: skip

    def _best(self, floor: float) -> Trial | None:
        return min(self._passing(floor), key=lambda t: (t.bytes, t.cpu_s), default=None)


def _family(p: Profile) -> tuple[object, ...]:
    return p.codec, p.preset, p.denoise, p.psy, p.gop_seconds, p.max_rate_kbps


def _bytes_at(ok: Trial, bad: Trial, aim: float) -> float:
    """The bytes expected where VMAF meets ``aim`` between two trials (linear in both)."""
    share = (ok.vmaf - aim) / (ok.vmaf - bad.vmaf)
    return ok.bytes + share * (bad.bytes - ok.bytes)


def _choice(level: int, floor: float, seed_floor: float | None, best: Trial | None) -> LevelChoice:
    base = {"level": level, "floor": floor, "seed_floor": seed_floor}
    if best is None:
        why = "no setting met the floor within the CPU budget: as recorded"
        return LevelChoice(**base, profile=None, why=why)
    if best.ratio > WORTH:
        why = f"meeting the floor keeps {best.ratio:.0%} of the bytes: as recorded"
        return LevelChoice(**base, profile=None, why=why)
    return LevelChoice(
        **base, profile=best.profile, vmaf=round(best.vmaf, 2),
        ratio=round(best.ratio, 4), cpu_s_per_min=round(60 * best.cpu_per_s, 2),
    )  # fmt: skip


def search_ladder(
    config: CalibrationConfig, measure: Measure, cpu_limit: float
) -> tuple[list[LevelChoice], list[Trial]]:
    """Each level's choice, and every trial the search measured."""
    searcher = Searcher(config, measure, cpu_limit)
    levels = searcher.run()
    return levels, list(searcher.trials.values())
