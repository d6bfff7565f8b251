# Sourced (POSIX sh) by ./mvnw and ./ipc4j: exports JAVA_HOME pointing at a JDK >= 25, or exits with one
# sentence saying what to install. The default `java` on many machines is older than ipc4j needs, so
# we never trust PATH alone: JAVA_HOME wins when it is new enough, then the usual install locations.

ipc4j_required_jdk=25

# Prints the feature version (e.g. 25) of the JDK at $1, or nothing when $1 is not a JDK.
ipc4j_jdk_feature() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
  fi
}

ipc4j_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    v=$(ipc4j_jdk_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$ipc4j_required_jdk" ]; then return 0; fi
  fi
  best="" bestv=0
  ipc4j_glob_was_off=0
  case "$-" in *f*) ipc4j_glob_was_off=1; set +f ;; esac
  for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
           "${HOME:-/nonexistent}"/.jdks/*; do
    [ -d "$d" ] || continue
    v=$(ipc4j_jdk_feature "$d")
    if [ -n "$v" ] && [ "$v" -ge "$ipc4j_required_jdk" ] && [ "$v" -gt "$bestv" ]; then best=$d bestv=$v; fi
  done
  [ "$ipc4j_glob_was_off" = 1 ] && set -f
  if [ -z "$best" ]; then
    echo "ipc4j needs a JDK $ipc4j_required_jdk or newer and found none (JAVA_HOME=${JAVA_HOME:-unset}, searched /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks): install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME to it." >&2
    return 1
  fi
  JAVA_HOME=$(cd "$best" && pwd -P)
  export JAVA_HOME
}

ipc4j_find_jdk || exit 1
