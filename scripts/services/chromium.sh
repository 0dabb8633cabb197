#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives it; nothing is downloaded).
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
chromium_ensure() {
  apt_ensure chromium fonts-dejavu-core || return 1
  export PORTAL_CHROMIUM=/usr/bin/chromium
}
