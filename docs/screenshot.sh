#!/bin/bash
# Regenerates docs/images/report.png (the README's picture of a run report) from a run directory:
#   docs/screenshot.sh reports/<run-id>
# Headless Chromium (Debian's chromium package, installed by setup-host.sh), no network.
set -euo pipefail
RUN=${1:?usage: docs/screenshot.sh reports/<run-id>}
OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/images/report.png
[ -f "$RUN/index.html" ] || { echo "no $RUN/index.html (render it with ./harness.sh report $RUN)" >&2; exit 2; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1600 \
  --screenshot="$OUT" "file://$(cd "$RUN" && pwd)/index.html" 2>/dev/null
echo "wrote $OUT"
