"""Headless Chromium (Debian's ``chromium`` package) for the report tests: screenshots and in-page checks."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-extensions", "--mute-audio"]

# Runs before anything else on the page: records console errors, uncaught errors and resources that fail to load,
# then, once the page has loaded, every <img> that did not decode; the result lands in <body data-check>.
PROBE = """<script>
(function () {
  var errors = [];
  var origError = console.error;
  console.error = function () { errors.push("console.error: " + Array.from(arguments).join(" "));
                                 origError.apply(console, arguments); };
  window.addEventListener("error", function (e) {
    var t = e.target;
    errors.push(t && t !== window && t.tagName ? "failed to load " + t.tagName + " " + (t.alt || t.src || "")
                                               : "uncaught: " + e.message);
  }, true);
  window.addEventListener("load", function () {
    var imgs = Array.from(document.images);
    var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0); })
                     .map(function (i) { return i.alt; });
    document.body.setAttribute("data-check", JSON.stringify({images: imgs.length, broken: broken,
                                                              errors: errors}));
  });
})();
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def page_check(index_html: Path, work: Path) -> dict:
    """Load a copy of the page with the probe injected; {'images': n, 'broken': [...], 'errors': [...]}."""
    text = Path(index_html).read_text()
    probed = work / "probed.html"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1))
    out = subprocess.run([chromium(), *FLAGS, "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=120)
    m = re.search(r'data-check="([^"]*)"', out.stdout)
    if m is None:
        raise AssertionError(f"the page never finished loading in Chromium: {out.stderr[-2000:]}")
    return json.loads(html.unescape(m.group(1)))


def screenshot(index_html: Path, png: Path, width: int = 1280, height: int = 1800) -> Path:
    subprocess.run([chromium(), *FLAGS, f"--window-size={width},{height}", f"--screenshot={png}",
                    Path(index_html).resolve().as_uri()], capture_output=True, text=True, timeout=120, check=True)
    return png
