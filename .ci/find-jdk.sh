# shellcheck shell=bash
# Finds a JDK 25 or newer for ./spanwatch, .ci/test and .ci/run. Source it, then call
#   spanwatch_find_jdk        # sets SPANWATCH_JAVA_HOME, or prints what it found on stderr and returns 1
# Order: $JAVA_HOME if it is new enough, then the newest /usr/lib/jvm/* that is, then `java` on PATH.

SPANWATCH_MIN_JAVA=25

# Prints the major version of the JDK/JRE at $1 (a java home), or nothing if it has no usable java.
spanwatch_java_major() {
    local home=$1 version=""
    [[ -x "$home/bin/java" ]] || return 0
    if [[ -r "$home/release" ]]; then
        version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" | head -n 1)
    fi
    if [[ -z "$version" ]]; then
        version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    [[ -n "$version" ]] || return 0
    if [[ "$version" == 1.* ]]; then
        version=${version#1.}
    fi
    version=${version%%[.+_-]*}
    [[ "$version" =~ ^[0-9]+$ ]] && printf '%s\n' "$version"
}

spanwatch_find_jdk() {
    local found=() major home best="" best_major=0 java_path
    SPANWATCH_JAVA_HOME=""

    if [[ -n "${JAVA_HOME:-}" ]]; then
        major=$(spanwatch_java_major "$JAVA_HOME")
        if [[ -n "$major" && "$major" -ge "$SPANWATCH_MIN_JAVA" ]]; then
            SPANWATCH_JAVA_HOME=$JAVA_HOME
            return 0
        fi
        found+=("JAVA_HOME=$JAVA_HOME (${major:-no java})")
    fi

    for home in /usr/lib/jvm/*; do
        [[ -d "$home" && ! -L "$home" ]] || continue
        major=$(spanwatch_java_major "$home")
        [[ -n "$major" ]] || continue
        if [[ "$major" -ge "$SPANWATCH_MIN_JAVA" && "$major" -gt "$best_major" ]]; then
            best=$home
            best_major=$major
        elif [[ "$major" -lt "$SPANWATCH_MIN_JAVA" ]]; then
            found+=("$home ($major)")
        fi
    done
    if [[ -n "$best" ]]; then
        SPANWATCH_JAVA_HOME=$best
        return 0
    fi

    if java_path=$(command -v java 2>/dev/null); then
        java_path=$(readlink -f "$java_path")
        home=${java_path%/bin/java}
        major=$(spanwatch_java_major "$home")
        if [[ -n "$major" && "$major" -ge "$SPANWATCH_MIN_JAVA" ]]; then
            SPANWATCH_JAVA_HOME=$home
            return 0
        fi
        found+=("java on PATH: $java_path (${major:-unknown version})")
    fi

    local what="nothing"
    if [[ ${#found[@]} -gt 0 ]]; then
        what=$(IFS=';'; printf '%s' "${found[*]}" | sed 's/;/; /g')
    fi
    echo "SpanWatch needs a JDK $SPANWATCH_MIN_JAVA or newer; found: $what." \
        "Install one (e.g. Temurin 25 into /usr/lib/jvm) or set JAVA_HOME to it." >&2
    return 1
}
