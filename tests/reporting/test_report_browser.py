"""report.html in a real browser (headless Chromium): every image loads, nothing is cut off.

Chromium renders a copy of the report with a small script appended that measures the page
after the load event and writes the result into the DOM (``--dump-dom``); a second run
saves a screenshot to ``out/test-artifacts/report.png`` (gitignored) for a human to look at.
Skipped when no Chromium is installed (CI installs the Debian ``chromium`` package).
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ctdsm.reporting import compute, report

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# Runs after every image has loaded (the load event) and writes its measurements into the DOM.
PROBE = """<script>
window.addEventListener("load", function () {
  var vw = document.documentElement.clientWidth;
  var out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth,
             images: [], tables: []};
  document.querySelectorAll("img").forEach(function (im) {
    var r = im.getBoundingClientRect();
    out.images.push({src: im.getAttribute("src"), complete: im.complete,
                     naturalWidth: im.naturalWidth, left: r.left, right: r.right,
                     width: r.width});
  });
  document.querySelectorAll("table").forEach(function (t, i) {
    var r = t.getBoundingClientRect();
    out.tables.push({index: i, left: r.left, right: r.right, width: r.width});
  });
  var pre = document.createElement("pre");
  pre.id = "ctdsm-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    # Root needs --no-sandbox; the rest keeps a headless run on a closed network quiet.
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def page(short_report, tmp_path_factory):
    design, data, sp = short_report
    out = tmp_path_factory.mktemp("browser") / "rep"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compute, "build_report", lambda *a, **k: data)
        path = report(design, out, spice_dir=sp)
    probe = out / "probe.html"
    probe.write_text(path.read_text().replace("</body>", PROBE + "</body>"))
    return path, probe, tmp_path_factory.mktemp("chromium-profile")


@pytest.mark.parametrize("width", [1280, 820])
def test_every_image_loads_and_nothing_overflows(page, width):
    path, probe, profile = page
    proc = _chromium(
        profile / str(width),
        f"--window-size={width},1200",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    )
    found = re.search(r'<pre id="ctdsm-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no probe output (chromium exit {proc.returncode}): {proc.stderr[-2000:]}"
    res = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    vw = res["viewport"]
    assert 0.9 * width <= vw <= width
    html_srcs = re.findall(r'<img src="([^"]+)"', path.read_text())
    assert [im["src"] for im in res["images"]] == html_srcs
    assert len(html_srcs) >= 5
    for im in res["images"]:
        assert im["complete"] and im["naturalWidth"] > 0, im
        assert im["left"] >= 0 and im["right"] <= vw + 0.5, im
    assert res["tables"]
    for t in res["tables"]:
        assert t["left"] >= 0 and t["right"] <= vw + 0.5, t
    assert res["scrollWidth"] <= vw, "the page scrolls horizontally"


def test_screenshot_artifact(page):
    path, _, profile = page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    proc = _chromium(
        profile / "shot",
        "--window-size=1280,7000",
        "--virtual-time-budget=10000",
        f"--screenshot={shot}",
        path.as_uri(),
    )
    assert shot.is_file(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 7000)


def test_the_probe_sees_an_overflow(page):
    """Control: the same probe on a page with a too-wide element reports it."""
    _, probe, profile = page
    wide = probe.with_name("wide.html")
    wide.write_text(
        probe.read_text().replace("<body>", '<body><div style="width:3000px">wide</div>', 1)
    )
    proc = _chromium(
        profile / "wide", "--window-size=1000,800", "--virtual-time-budget=10000", "--dump-dom",
        wide.as_uri(),
    )  # fmt: skip
    found = re.search(r'<pre id="ctdsm-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    res = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert res["scrollWidth"] > res["viewport"]
