#!/usr/bin/env bash
# The OmegaT plugin's tests, offline:
#  1. build (build.sh);
#  2. the plain Java tests (RunTests) against a running adaptmt: ADAPTMT_TEST_URL (and
#     ADAPTMT_TEST_KEY) if set, else a throwaway one on loopback translating through the LLM
#     stand-in (python -m tests.plugins.omegat_server, stopped when this script ends);
#  3. a headless OmegaT start (console-translate of a one-file project) with the plugin jar in
#     the config dir's plugins folder: OmegaT must report the plugin loaded, with the settings
#     of the adaptmt.properties placed there.
# PYTHON names the interpreter with adaptmt installed (default: the repository's .venv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
omegat_jar="${OMEGAT_JAR:-/usr/share/omegat/OmegaT.jar}"
python="${PYTHON:-$root/.venv/bin/python}"
build="$here/build"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$here/build.sh" >/dev/null
echo "built $build/adaptmt-omegat.jar"
# Java 11 bytecode (class file major version 55), so OmegaT on any Java from 11 up loads it.
if ! javap -v -cp "$build/classes" org.adaptmt.omegat.AdaptmtTranslator | grep -q "major version: 55"; then
    echo "FAIL the plugin's classes are not Java 11 bytecode" >&2
    exit 1
fi
# No third-party code inside: only the plugin's own classes and the manifest.
if jar tf "$build/adaptmt-omegat.jar" | grep -v -E '^(META-INF/|org/$|org/adaptmt/$|org/adaptmt/omegat/)'; then
    echo "FAIL the jar holds files besides org/adaptmt/omegat (above)" >&2
    exit 1
fi

if [[ -z "${ADAPTMT_TEST_URL:-}" ]]; then
    coproc SERVER { cd "$root" && PYTHONPATH="$root" exec "$python" -m tests.plugins.omegat_server; }
    server_pid=$SERVER_PID
    trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
    if ! read -r -t 60 ADAPTMT_TEST_URL ADAPTMT_TEST_KEY <&"${SERVER[0]}"; then
        echo "test.sh: the test adaptmt did not start" >&2
        exit 1
    fi
fi
java -cp "$omegat_jar:$build/classes:$build/test-classes" org.adaptmt.omegat.RunTests \
    "$ADAPTMT_TEST_URL" "${ADAPTMT_TEST_KEY:-}"

# Headless OmegaT: a tiny project, the plugin in <config>/plugins, its settings next to it.
project="$work/project"
config="$work/config"
mkdir -p "$project"/{source,target,omegat,tm,glossary,dictionary} "$config/plugins"
cp "$build/adaptmt-omegat.jar" "$config/plugins/"
printf 'adaptmt.url=%s\nadaptmt.memory=mem_headless_check\n' "$ADAPTMT_TEST_URL" > "$config/adaptmt.properties"
printf 'Click Save to keep your changes.\n' > "$project/source/leaflet.txt"
cat > "$project/omegat.project" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>EN-US</source_lang>
    <target_lang>FR-FR</target_lang>
    <sentence_seg>false</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
XML
# The ADAPTMT_* settings of this shell must not hide the file's.
if ! env -u ADAPTMT_URL -u ADAPTMT_MEMORY java -Djava.awt.headless=true -jar "$omegat_jar" "$project" \
        --mode=console-translate --config-dir="$config" > "$work/omegat.log" 2>&1; then
    cat "$work/omegat.log" >&2
    echo "FAIL headless OmegaT: console-translate exited non-zero" >&2
    exit 1
fi
expect() {
    if ! grep -qF -- "$1" "$work/omegat.log"; then
        grep -v PLUGIN_LOAD_OK "$work/omegat.log" >&2 || true
        echo "FAIL headless OmegaT: no line with: $1" >&2
        exit 1
    fi
}
expect "adaptmt plugin loaded (settings from $config/adaptmt.properties"
expect "memories=[mem_headless_check]"
expect "class 'org.adaptmt.omegat.AdaptmtPlugin' (PLUGIN_LOAD_OK)"
[[ -f "$project/target/leaflet.txt" ]] || { echo "FAIL headless OmegaT: no translated file" >&2; exit 1; }
version="$(cd "$work" && jar xf "$omegat_jar" META-INF/MANIFEST.MF && sed -n 's/^Implementation-Version: //p' META-INF/MANIFEST.MF | tr -d '\r')"
echo "PASS headless OmegaT $version loads the plugin"
