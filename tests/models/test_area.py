"""Each area term against a hand calculation (generic180: MIM 1 fF/um^2, poly 1 kohm/sq,
2 um wide, 1 um heads, 0.5 um spacing; n = 1.3, U_T = kT/q = 25.852 mV at 300 K)."""

import math

import pytest

from ctdsm.models.area import (
    breakdown_mm2,
    capacitor_area_m2,
    device_area_m2,
    device_width_m,
    inversion_coefficient,
    opamp_area_m2,
    resistor_area_m2,
)
from ctdsm.models.power import Device
from ctdsm.models.technology import GENERIC180, GF180MCU

G = GENERIC180
U_T = 1.380649e-23 * 300.0 / 1.602176634e-19  # 25.852 mV


def test_capacitor():
    # 30 pF per side, two sides, 1e-3 F/m^2: 6e-8 m^2 = 0.06 mm^2
    assert capacitor_area_m2(30e-12, G) == pytest.approx(6e-8)
    # gf180mcu MIM 2 fF/um^2 (1.99e-3 F/m^2): about half
    assert capacitor_area_m2(30e-12, GF180MCU) == pytest.approx(60e-12 / 1.99e-3)


def test_resistor():
    # 48 kohm per side: 48 squares of 2 um; (48 * 2 um + 2 * 1 um) * (2 + 0.5) um * 2 sides
    # = 98e-6 * 2.5e-6 * 2 = 4.9e-10 m^2 (490 um^2)
    assert resistor_area_m2(48e3, G) == pytest.approx(4.9e-10)
    assert resistor_area_m2(48e3, G, sides=1) == pytest.approx(2.45e-10)
    assert resistor_area_m2(math.nan, G) == 0.0
    # Not matched (a state's coefficient resistor): the 0.5 um minimum width, the same 48
    # squares: (48 * 0.5 um + 2 * 1 um) * (0.5 + 0.5) um * 2 sides = 26e-6 * 1e-6 * 2
    # = 5.2e-11 m^2
    assert resistor_area_m2(48e3, G, matched=False) == pytest.approx(5.2e-11)


def test_inversion_coefficient():
    # gm/Id 15: g = 15 * 1.3 * 0.025852 = 0.50411; IC = ((2/g - 1)^2 - 1) / 4 = 1.951
    g = 15 * 1.3 * U_T
    assert inversion_coefficient(15.0, G) == pytest.approx(((2 / g - 1) ** 2 - 1) / 4)
    assert inversion_coefficient(15.0, G) == pytest.approx(1.951, rel=1e-3)
    with pytest.raises(ValueError, match="weak-inversion"):
        inversion_coefficient(40.0, G)


def test_device_width_and_area():
    # PMOS, 100 uA at gm/Id 15, L 0.5 um: I_spec = 2 * 1.3 * 70e-6 * U_T^2 = 121.6 nA,
    # W = 0.5e-6 * 100e-6 / (1.951 * 121.6e-9) = 210.7 um
    dev = Device("input", "p", 100e-6, 15.0, 2)
    i_spec = 2 * 1.3 * 70e-6 * U_T**2
    ic = inversion_coefficient(15.0, G)
    w = 0.5e-6 * 100e-6 / (ic * i_spec)
    assert device_width_m(dev, G) == pytest.approx(w)
    assert w == pytest.approx(210.7e-6, rel=1e-3)
    # two devices of W * (L + 2 * 2.5 * 0.18 um) = W * 1.4 um
    assert device_area_m2(dev, G) == pytest.approx(2 * w * 1.4e-6)
    # opamp: 2x the signal devices + a 2 pF compensation capacitor per side (4e-9 m^2)
    assert opamp_area_m2([dev], 2e-12, G) == pytest.approx(2 * 2 * w * 1.4e-6 + 4e-9)


def test_breakdown_sums_to_total():
    # blocks 1 and 2 mm^2, overhead 1.5: routing 1.5 mm^2, total 4.5 mm^2
    out = breakdown_mm2({"a": 1e-6, "b": 2e-6}, G)
    assert out == pytest.approx({"a": 1.0, "b": 2.0, "routing": 1.5})
    assert sum(out.values()) == pytest.approx(1.5 * 3.0)
