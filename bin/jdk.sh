# Sourced by the launchers: picks a JDK >= 21 into JAVA_HOME (the project targets Java 21).
tinykv_java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(tinykv_java_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null; then
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/*; do
    if [ -x "$candidate/bin/java" ] && [ "$(tinykv_java_major "$candidate")" -ge 21 ] 2>/dev/null; then
      JAVA_HOME="$candidate"; break
    fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "tinykv: no JDK >= 21 found; install one (e.g. Temurin 21+) and set JAVA_HOME" >&2
    exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own guava touches sun.misc.Unsafe; keep its warnings out of our output on newer JDKs.
if [ "$(tinykv_java_major "$JAVA_HOME")" -ge 23 ]; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
