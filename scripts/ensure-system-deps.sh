#!/usr/bin/env bash
# The tests drive real programs: netcat (the terminal user), Chromium (the
# browser user) and redis-server (the cluster's store, started by each test on
# an ephemeral port). Install them when missing and we may (root on Debian);
# otherwise stop with one clear message. Never skip those tests silently.
set -euo pipefail

missing=()
command -v nc >/dev/null 2>&1 || missing+=(netcat-openbsd)
[[ -x /usr/bin/chromium ]] || missing+=(chromium fonts-noto-color-emoji)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
((${#missing[@]})) || exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing test dependencies: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "The tests need these Debian packages: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
