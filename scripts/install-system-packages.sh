#!/usr/bin/env bash
# Debian packages the browser tests need: Chromium (driven by Playwright via /usr/bin/chromium; the
# browser download of Playwright itself does not work on our machines) and Japanese fonts so that
# screenshots show text. Installs only what is missing; needs root or sudo.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || packages+=(fonts-noto-cjk)
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
