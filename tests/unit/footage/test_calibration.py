"""The pure calibration search (footage.calibration) over a modelled encoder."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from footage.calibration import (
    SEED_EQUIVALENT,
    Calibration,
    CalibrationConfig,
    LevelChoice,
    Measure,
    Trial,
    recalibration_due,
    spot_check,
)
from footage.calibration_search import refine_crf, search_ladder
from footage.config import CompressionConfig
from footage.profiles import Profile, VideoCodec

NOW = datetime(2026, 12, 6, 10, tzinfo=UTC)
RECORDED = 1_000_000


def model(
    noise: float = 0.0, h265_cpu: float = 0.5, psy_cost: float = 0.0
) -> tuple[Measure, list[Profile]]:
    """An encoder whose VMAF falls 1.2 a CRF step and whose bytes halve every 6 steps.
    ``noise`` costs VMAF that denoising wins back (for a few % more CPU); H.265 spends
    30 % fewer bytes for ``h265_cpu`` CPU-s per second; a longer GOP saves 10 %;
    psychovisual tuning costs ``psy_cost`` VMAF at the same bytes."""
    calls: list[Profile] = []

    def measure(profile: Profile) -> Trial:
        calls.append(profile)
        vmaf = 100 - 1.2 * (profile.crf - 16) - (0.3 * noise if profile.denoise else noise)
        vmaf -= psy_cost if profile.psy else 0.0
        size = RECORDED * 0.9 * 2 ** (-(profile.crf - 16) / 6)
        cpu = 0.3
        if profile.codec is VideoCodec.H265:
            size, cpu = size * 0.7, h265_cpu
        if profile.gop_seconds > 4:
            size *= 0.9
        if profile.denoise:
            cpu += 0.05
        return Trial(profile, int(size), RECORDED, vmaf, cpu * 4, 4.0)

    return measure, calls


def test_each_level_takes_the_fewest_bytes_meeting_its_floor_within_the_cpu_limit() -> None:
    measure, calls = model(h265_cpu=2.0)  # x265 over the limit: never chosen
    levels, trials = search_ladder(CalibrationConfig(), measure, cpu_limit=1.0)
    assert calls[0] == SEED_EQUIVALENT  # measured for level 1's relative floor: 85.6 here
    assert levels[0].seed_floor is None and levels[0].promise == 93
    assert [c.floor for c in levels] == [93, 90, 87]
    for choice in levels:
        assert choice.profile is not None and choice.vmaf is not None
        assert choice.profile.codec is VideoCodec.H264
        assert choice.vmaf >= choice.floor + 0.5  # the margin for footage not sampled
        assert choice.profile.gop_seconds == 10  # the longest GOP seeking allows paid
    # the CRF lands on the 0.25 grid just above each floor + margin (VMAF 1.2 a step)
    assert [c.profile.crf for c in levels if c.profile] == [21.25, 23.75, 26.25]
    assert all(c.vmaf is not None and c.vmaf - c.floor - 0.5 < 0.3 for c in levels)
    assert [c.ratio for c in levels] == sorted(c.ratio for c in levels)[::-1]
    # x265 cost one trial per preset and filter (over budget), each bisection a handful
    assert sum(1 for p in calls if p.codec is VideoCodec.H265) == 4
    assert len(trials) == len(calls) - 1 <= 32


def test_h265_wins_when_the_cpu_allows_it() -> None:
    measure, _ = model(h265_cpu=0.5)
    levels, _ = search_ladder(CalibrationConfig(), measure, cpu_limit=1.0)
    assert all(c.profile is not None and c.profile.codec is VideoCodec.H265 for c in levels)


def test_noise_makes_it_denoise_or_lower_the_crf() -> None:
    clean, _ = search_ladder(CalibrationConfig(), model()[0], cpu_limit=1.0)
    noisy, _ = search_ladder(CalibrationConfig(), model(noise=6.0)[0], cpu_limit=1.0)
    for a, b in zip(clean, noisy, strict=True):
        assert a.profile is not None and b.profile is not None
        assert b.profile.denoise or b.profile.crf < a.profile.crf
        assert b.ratio > a.ratio  # a noisy camera costs more bytes for the same look


def test_psychovisual_tuning_is_searched_as_configured() -> None:
    both = CalibrationConfig(psy=[True, False])
    measure, calls = model(psy_cost=2.0)
    levels, _ = search_ladder(both, measure, cpu_limit=1.0)
    assert {p.psy for p in calls if p != SEED_EQUIVALENT} == {True, False}
    assert all(c.profile is not None and not c.profile.psy for c in levels)
    assert levels[0].setting.endswith(" psy off")
    kept, _ = search_ladder(CalibrationConfig(psy=[True]), model(psy_cost=2.0)[0], cpu_limit=1.0)
    assert all(c.profile is not None and c.profile.psy for c in kept)
    for a, b in zip(levels, kept, strict=True):  # the same look costs psy 2 VMAF of CRF
        assert a.ratio < b.ratio and a.profile is not None and b.profile is not None
        assert a.profile.crf > b.profile.crf
    # where psy costs nothing, it is a wash: the default tries psy off alone
    default, _ = search_ladder(CalibrationConfig(), model()[0], cpu_limit=1.0)
    assert all(c.profile is not None and not c.profile.psy for c in default)


def curve(crf: float) -> float:
    """A convex VMAF-vs-CRF curve with a wobble, as real encodes give."""
    return 100 - 0.9 * (crf - 16) - 0.03 * (crf - 16) ** 2 + 0.08 * math.sin(7 * crf)


@pytest.mark.parametrize("aim", [93.5, 90.5, 87.5, 84.0])
def test_the_finer_search_lands_just_above_the_aim_and_never_below(aim: float) -> None:
    low = max(c for c in range(16, 39) if curve(c) >= aim)  # what the integer bisection found
    calls: list[float] = []

    def vmaf_at(crf: float) -> float:
        calls.append(crf)
        return curve(crf)

    found = refine_crf(vmaf_at, (low, curve(low)), (low + 1, curve(low + 1)), aim, 0.25)
    assert curve(found) >= aim  # never below
    assert found == max(c / 4 for c in range(4 * low, 4 * low + 4) if curve(c / 4) >= aim)
    assert curve(found) - aim < 0.5  # an integer step is ~1.2 VMAF here
    assert len(calls) <= 3 and all(low < c < low + 1 for c in calls)


def test_the_finer_search_keeps_the_passing_point_when_nothing_between_passes() -> None:
    found = refine_crf(lambda crf: 80.0, (30, 93.6), (31, 92.0), 93.5, 0.25)
    assert found == 30


def test_level_1_keeps_close_to_the_seed_where_the_seed_is_near_transparent() -> None:
    def lowrate(profile: Profile) -> Trial:  # VMAF 96 at the seed's crf 28 (medium)
        vmaf = 110 - 0.5 * profile.crf - (0.6 if profile.preset != "medium" else 0)
        size = RECORDED * 1.5 * 2 ** (-(profile.crf - 16) / 6)
        return Trial(profile, int(size), RECORDED, vmaf, 1.0, 4.0)

    config = CalibrationConfig(codecs=[VideoCodec.H264])
    levels, _ = search_ladder(config, lowrate, cpu_limit=1.0)
    assert levels[0].seed_floor == 95.0 and levels[0].promise == 95.0
    assert levels[0].vmaf is not None and 95.5 <= levels[0].vmaf < 95.8  # promise + margin
    assert levels[1].seed_floor is None and levels[1].promise == 90  # level 1 only
    floor_only, _ = search_ladder(config.model_copy(update={"seed_points": None}), lowrate, 1.0)
    assert floor_only[0].promise == 93 and floor_only[0].ratio < levels[0].ratio  # what it costs
    cal = calibration(levels=levels)
    assert not spot_check(cal, 1, 94.5, NOW)  # above 93, under the seed-relative 95


def test_a_floor_nothing_meets_goes_up_as_recorded() -> None:
    config = CalibrationConfig(vmaf_floors=[99.9, 90], crf_min=20)
    levels, _ = search_ladder(config, model()[0], cpu_limit=1.0)
    assert levels[0].profile is None and "as recorded" in levels[0].why
    assert levels[0].ratio == 1.0
    assert levels[1].profile is not None


def test_a_setting_that_saves_under_5_percent_is_not_worth_it() -> None:
    def fat(profile: Profile) -> Trial:
        return Trial(profile, int(RECORDED * 0.99), RECORDED, 95.0, 1.0, 4.0)

    levels, _ = search_ladder(CalibrationConfig(codecs=[VideoCodec.H264]), fat, cpu_limit=1.0)
    assert all(c.profile is None and "99%" in c.why for c in levels)


def calibration(**changes: object) -> Calibration:
    levels = [LevelChoice(level=n, floor=f, profile=Profile(codec=VideoCodec.H264), vmaf=f + 1)
              for n, f in enumerate([93.0, 90.0, 87.0], start=1)]  # fmt: skip
    values = {"camera": "lobby", "calibrated_at": NOW, "bitrate_bps": 4e6, "levels": levels,
              "seed_points": 1.0, "search": CalibrationConfig().search_key()}  # fmt: skip
    return Calibration.model_validate({**values, **changes})


def test_when_a_camera_is_calibrated_again() -> None:
    config = CalibrationConfig()
    assert recalibration_due(None, NOW, 4e6, config) == "not calibrated yet"
    fresh = calibration()
    assert recalibration_due(fresh, NOW + timedelta(days=6), 4.5e6, config) is None
    assert "7 days" in str(recalibration_due(fresh, NOW + timedelta(days=7), 4e6, config))
    assert "bitrate moved 50%" in str(recalibration_due(fresh, NOW, 6e6, config))
    changed = CalibrationConfig(vmaf_floors=[95, 90, 87])
    assert recalibration_due(fresh, NOW, 4e6, changed) == "the quality targets changed"
    floor_only = CalibrationConfig(seed_points=None)
    assert "against the seed" in str(recalibration_due(fresh, NOW, 4e6, floor_only))


@pytest.mark.parametrize(
    "change",
    [{"psy": [True, False]}, {"h264_presets": ["veryfast", "medium"]}, {"codecs": ["h264"]},
     {"sample_s": 12.0}, {"vmaf_margin": 0.25}, {"crf_step": 0.5}, {"max_gop_s": 8.0}],
)  # fmt: skip
def test_a_calibration_searched_otherwise_is_searched_again(change: dict[str, object]) -> None:
    fresh = calibration()
    assert recalibration_due(fresh, NOW, 4e6, CalibrationConfig()) is None
    other = CalibrationConfig.model_validate(change)
    assert other.search_key() != CalibrationConfig().search_key()
    assert "the search changed" in str(recalibration_due(fresh, NOW, 4e6, other))
    # the sampling schedule and the spot checks do not change what a search finds
    same = CalibrationConfig(samples=5, sample_every_s=600, spot_check_every_s=600)
    assert recalibration_due(fresh, NOW, 4e6, same) is None


def test_a_calibration_from_before_the_fingerprint_is_searched_again() -> None:
    old = calibration(search="")  # kept by an edge before calibrations had one
    assert "the search changed" in str(recalibration_due(old, NOW, 4e6, CalibrationConfig()))


def test_a_spot_check_under_the_floor_is_a_miss_that_recalibrates() -> None:
    cal = calibration()
    assert spot_check(cal, 2, 91.0, NOW)
    assert recalibration_due(cal, NOW, 4e6, CalibrationConfig()) is None
    assert not spot_check(cal, 2, 88.5, NOW + timedelta(hours=1))
    assert (cal.misses, cal.checked_level, cal.checked_vmaf) == (1, 2, 88.5)
    assert "spot check" in str(recalibration_due(cal, NOW, 4e6, CalibrationConfig()))


@pytest.mark.parametrize(
    "bad",
    [{"vmaf_floors": [87, 90]}, {"vmaf_floors": [120]}, {"crf_min": 40, "crf_max": 30},
     {"gop_s": 12, "max_gop_s": 10}, {"sample_s": 4, "max_gop_s": 10}, {"surprise": 1}],
)  # fmt: skip
def test_bad_targets_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CalibrationConfig.model_validate(bad)


def test_a_sample_must_hold_the_longest_gop() -> None:
    with pytest.raises(ValidationError, match="sample_s must be at least max_gop_s"):
        CalibrationConfig(sample_s=4)  # max_gop_s 10
    assert CalibrationConfig(sample_s=4, gop_s=2, max_gop_s=4).sample_s == 4


def test_the_ladder_needs_a_floor_per_level() -> None:
    with pytest.raises(ValidationError, match="a floor for every ladder level"):
        CompressionConfig.model_validate({"calibration": {"vmaf_floors": [93]}})
    config = CompressionConfig.model_validate({"calibration": {"vmaf_floors": [95, 92, 88]}})
    assert config.calibration.vmaf_floors == [95, 92, 88]
