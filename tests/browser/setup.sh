#!/usr/bin/env bash
# Installs the headless browser used by tests/render_html_browser.rs (Debian's chromium).
# Idempotent: does nothing when chromium is already on the PATH. Needs root or sudo (apt-get).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "browser setup: $(chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo -E"; fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "browser setup: $(chromium --version 2>/dev/null || echo 'chromium installed')"
