#!/usr/bin/env bash
# What the OmegaT plugin's tests need (tests/plugins/test_omegat.py): Debian's `omegat` package
# (the OmegaT 3.6 jar the plugin is built against and started in) and a JDK (javac, jar).
# Idempotent and quiet: installs only what is missing; uses sudo when not root.
set -euo pipefail
missing=()
[[ -f "${OMEGAT_JAR:-/usr/share/omegat/OmegaT.jar}" ]] || missing+=(omegat)
{ command -v javac && command -v jar; } >/dev/null || missing+=(default-jdk-headless)
if ((${#missing[@]} == 0)); then
    exit 0
fi
sudo=()
[[ "$(id -u)" == 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed for the OmegaT plugin: ${missing[*]}"
