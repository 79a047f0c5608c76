#!/usr/bin/env bash
# Debian packages the tests need: Chromium (driven by Playwright via /usr/bin/chromium; the browser
# download of Playwright itself does not work on our machines), Japanese fonts so that screenshots
# show text and PDF reports embed them, and Pango, which WeasyPrint lays PDF text out with.
# Installs only what is missing; needs root or sudo.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || packages+=(fonts-noto-cjk)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || packages+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || packages+=(libpangoft2-1.0-0)
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "Please install these Debian packages as root: ${packages[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${packages[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
