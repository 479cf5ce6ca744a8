"""Figures of docs/models.md: DAC-type output spectra and chopping versus chopping frequency.

Run from anywhere (about a minute on two cores)::

    python docs/scripts/make_model_plots.py

Writes ``docs/img/dac_types_psd.png`` and ``docs/img/chopper.png``. Everything is simulated
with the sampled-data engine (``ctdsm.simulate``) from the seed designs, with fixed seeds, so
the figures are reproducible.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import ctdsm  # noqa: E402
from ctdsm.analysis import analyze  # noqa: E402
from ctdsm.flow.chopping import chopping_sweep
from ctdsm.models.chopper import chop_frequency  # noqa: E402
from ctdsm.models.impairments import Impairments  # noqa: E402
from ctdsm.reporting.figures import psd_dbfs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"

#: The DAC physics alone: ideal modulator, DAC circuit physics on, first opamp 60 dB / 4 fs.
PHYS_ONLY = {"preset": "ideal", "dac_physics": True, "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}


def design(name: str, *overrides: str) -> ctdsm.Design:
    return ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / f"{name}.yaml", list(overrides)))


#: PSD in dBFS/NBW (NBW = 1.5 fs/N, Hann): a sine reads its own amplitude in dBFS.
psd_dbfs_nbw = psd_dbfs


def dac_types_figure() -> None:
    cases = [
        ("multibit", -3.0, ["r_dac", "vgs_r"]),
        ("singlebit", -6.0, ["r_dac", "dual_rto", "zapped_dual_rto"]),
    ]
    colors = {
        "r_dac": "tab:red",
        "vgs_r": "tab:blue",
        "dual_rto": "tab:orange",
        "zapped_dual_rto": "tab:green",
    }
    fig, axes = plt.subplots(2, 1, figsize=(9, 8.5))
    for ax, (name, amp, types) in zip(axes, cases, strict=True):
        for t in types:
            d = design(name, f"dac.type={t}", "chopper.enabled=false")
            r = ctdsm.simulate(d, 1 << 16, amp, PHYS_ONLY, seed=1)
            m = analyze(r)
            f, db = psd_dbfs_nbw(r.v, r.fs_hz, r.levels)
            thd = "n/a" if m.thd_db is None else f"{m.thd_db:.1f}"
            ax.semilogx(
                f[1:],
                db[1:],
                lw=0.6,
                color=colors[t],
                alpha=0.85,
                label=f"{t}: SNDR {m.sndr_db:.1f} dB, THD {thd} dB",
            )
            # Mark the 2nd and 3rd harmonics (the peak bin near k fin) in the trace's color.
            df = r.fs_hz / len(r.v)
            for k in (2, 3):
                b = int(round(k * r.fin_hz / df))
                j = b - 2 + int(np.argmax(db[b - 2 : b + 3]))
                ax.plot(f[j], db[j], "v", color=colors[t], ms=7, mec="k", mew=0.5)
                if t == types[0]:
                    ax.text(f[j], -12, f"HD{k}", ha="center", fontsize=8)
        bw = d.bw_hz
        ax.axvspan(f[1], bw, color="0.92", zorder=0)
        ax.axvline(bw, color="k", lw=0.8, ls="--")
        ax.text(bw * 1.05, -20, "band edge\n250 kHz", fontsize=8, va="top")
        ax.set_xlim(f[1], d.fs_hz / 2)
        ax.set_ylim(-190, 0)
        ax.set_xlabel("frequency (Hz)")
        ax.set_ylabel(f"PSD (dBFS/NBW, NBW = {1.5 * d.fs_hz / (1 << 16):.0f} Hz)")
        ax.set_title(
            f"{name}: {amp:g} dBFS tone, DAC physics + 60 dB / 4 fs opamps only, "
            "chopper off, 2^16 samples, seed 1",
            fontsize=9,
        )
        ax.grid(True, which="both", lw=0.3, alpha=0.5)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / "dac_types_psd.png", dpi=110)
    plt.close(fig)


def chopper_figure() -> None:
    n = 1 << 15
    seeds = (1, 2)
    base = design("multibit")
    fs = base.fs_hz
    divs = [8, 16, 32, 64, 128]
    f_chops = [fs / k for k in divs]
    full = (base.levels - 1) ** 2 / 2

    # (a) SNR with every default impairment, chopper on at each frequency, and off.
    on = np.array(
        [
            [
                analyze(
                    ctdsm.simulate(
                        design("multibit", f"chopper.f_chop_hz={fc}"), n, -3.0, "default", s
                    )
                ).snr_db
                for s in seeds
            ]
            for fc in f_chops
        ]
    )
    off_d = design("multibit", "chopper.enabled=false")
    off = [analyze(ctdsm.simulate(off_d, n, -3.0, "default", s)).snr_db for s in seeds]
    quiet = {"preset": "default", "flicker_corner_hz": None, "opamp_offset_v": None}
    off_quiet = [analyze(ctdsm.simulate(off_d, n, -3.0, quiet, s)).snr_db for s in seeds]

    # (b) The chopping transients alone (ideal except the first opamp), simulated and
    # predicted from the unchopped virtual-ground voltage.
    sw = chopping_sweep(base, f_chops, n_samples=n, seed=1)
    added = np.array(sw["noise_chopped_no_flicker"]) - sw["noise_unchopped_no_flicker"]
    pred = np.array(sw["predicted_added"])

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.6))
    lo, hi = 88.0, 110.0
    mean_on = on.mean(axis=1)
    shown = mean_on > lo
    a.semilogx(np.array(f_chops)[shown], mean_on[shown], "o-", color="tab:blue",
               label="chopper on (mean of seeds 1, 2)")  # fmt: skip
    for j in range(len(seeds)):
        a.semilogx(np.array(f_chops)[shown], on[shown, j], ".", color="tab:blue", alpha=0.5)
    a.axhline(np.mean(off), color="tab:red", label="chopper off")
    a.axhline(np.mean(off_quiet), color="tab:gray", ls=":", label="chopper off, no 1/f, no offset")
    for fc, v in zip(f_chops, mean_on, strict=True):
        if v <= lo:
            a.annotate(f"{v:.0f} dB (f_chop in band)", (fc, lo + 0.3), ha="left", fontsize=8,
                       xytext=(fc * 0.97, lo + 4), arrowprops={"arrowstyle": "->"})  # fmt: skip
    a.axvline(base.bw_hz, color="k", lw=0.8, ls="--")
    auto = chop_frequency(fs, base.bw_hz)
    a.axvline(
        auto, color="tab:green", lw=0.8, ls="-.", label=f"default f_chop {auto / 1e3:.0f} kHz"
    )
    a.set_ylim(lo, hi)
    a.text(base.bw_hz * 1.03, hi - 0.5, "band\nedge", fontsize=8, va="top")
    a.set_xlabel("chopping frequency (kHz)")
    a.set_ylabel("SNR (dB)")
    a.set_title("multibit, every default impairment, -3 dBFS, 2^15 samples", fontsize=9)
    a.grid(True, which="both", lw=0.3, alpha=0.5)
    a.legend(fontsize=8, loc="lower right")

    b.semilogx(f_chops, 10 * np.log10(added / full), "o-", color="tab:blue",
               label="simulated (chopped minus unchopped)")  # fmt: skip
    b.semilogx(f_chops, 10 * np.log10(pred / full), "s--", color="tab:orange",
               label="predicted from unchopped v.g. voltage")  # fmt: skip
    b.axhline(10 * np.log10(sw["noise_unchopped_no_flicker"] / full), color="tab:gray", ls=":",
              label="unchopped in-band noise (no 1/f)")  # fmt: skip
    b.axvline(base.bw_hz, color="k", lw=0.8, ls="--")
    b.set_xlabel("chopping frequency (kHz)")
    b.set_ylabel("in-band noise added by chopping (dBFS)")
    dflt = Impairments()
    b.set_title(
        f"chopping transients alone: ideal except opamps {dflt.opamp_dc_gain_db:g} dB / "
        f"{dflt.opamp_gbw_ratio:g} fs, seed 1",
        fontsize=9,
    )
    b.grid(True, which="both", lw=0.3, alpha=0.5)
    b.legend(fontsize=8)
    for ax in (a, b):
        ax.set_xlim(f_chops[-1] / 1.25, f_chops[0] * 1.25)
        ax.set_xticks(f_chops)
        ax.set_xticklabels([f"{fc / 1e3:g}\nfs/{k}" for fc, k in zip(f_chops, divs, strict=True)])
        ax.minorticks_off()
    fig.tight_layout()
    fig.savefig(IMG / "chopper.png", dpi=110)
    plt.close(fig)
    print("chopper on SNR (seeds 1, 2):", dict(zip(divs, on.round(2).tolist(), strict=True)))
    print("chopper off SNR:", np.round(off, 2), "no 1/f, no offset:", np.round(off_quiet, 2))
    print("added (dBFS):", np.round(10 * np.log10(added / full), 2))
    print("predicted (dBFS):", np.round(10 * np.log10(pred / full), 2))


if __name__ == "__main__":
    IMG.mkdir(parents=True, exist_ok=True)
    dac_types_figure()
    chopper_figure()
    print(f"wrote {IMG / 'dac_types_psd.png'} and {IMG / 'chopper.png'}")
