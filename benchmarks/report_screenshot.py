"""The README's report screenshot: MobileNet-V2 on the Snapdragon 855 DSP, top of index.html in headless Chromium.

    python benchmarks/report_screenshot.py      # writes benchmarks/results/report_screenshot.png
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import accelsim
from accelsim.report import write_report

OUT = Path(__file__).resolve().parent / "results" / "report_screenshot.png"


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("needs chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        files = write_report(accelsim.simulate("snapdragon855", "mobilenet_v2"), Path(tmp) / "report")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1100,1500", f"--screenshot={OUT}", files.index_html.as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
