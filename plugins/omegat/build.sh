#!/usr/bin/env bash
# Build the OmegaT plugin offline: javac (Java 11 bytecode) and jar against OmegaT's own jar.
#   plugins/omegat/build.sh            -> plugins/omegat/build/adaptmt-omegat.jar
# OMEGAT_JAR names the jar to compile against (default: Debian's package, `apt-get install omegat`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
omegat_jar="${OMEGAT_JAR:-/usr/share/omegat/OmegaT.jar}"
if [[ ! -f "$omegat_jar" ]]; then
    echo "build.sh: no OmegaT jar at $omegat_jar (apt-get install omegat, or set OMEGAT_JAR)" >&2
    exit 2
fi
build="$here/build"
rm -rf "$build/classes" "$build/test-classes"
mkdir -p "$build/classes" "$build/test-classes"
# -Xlint without "path": Debian's OmegaT.jar lists optional jars in its Class-Path.
javac --release 11 -encoding UTF-8 -Xlint:all,-path -Werror -cp "$omegat_jar" \
    -d "$build/classes" $(find "$here/src" -name '*.java')
jar --create --file "$build/adaptmt-omegat.jar" --manifest "$here/manifest.mf" -C "$build/classes" .
[[ -d "$here/test" ]] && javac --release 11 -encoding UTF-8 -Xlint:all,-path -Werror -cp "$omegat_jar:$build/classes" \
    -d "$build/test-classes" $(find "$here/test" -name '*.java')
echo "$build/adaptmt-omegat.jar"
