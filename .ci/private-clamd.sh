# Sourced by the benchmark scripts: starts a private clamd on the project's signatures (rules/clamav),
# listening on a unix socket and on 127.0.0.1:$CLAMD_PORT (default 13310), with StreamMaxLength and
# MaxFileSize of 100M as in rules/clamav/clamd.conf. Sets CLAMD_SOCK, CLAMD_CONF and CLAMD_PID;
# stop_private_clamd stops it. Needs /usr/sbin/clamd (Debian: clamav-daemon) and clamdscan.
start_private_clamd() {  # WORK_DIR
    local work=$1 root
    root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
    [[ -x /usr/sbin/clamd ]] || { echo "clamd is missing (Debian: clamav-daemon)" >&2; return 1; }
    command -v clamdscan >/dev/null || { echo "clamdscan is missing (Debian: clamdscan)" >&2; return 1; }
    mkdir -p "$work/db" "$work/tmp"
    cp "$root"/rules/clamav/*.{hdb,hsb,ndb,yar,fp,ign2} "$work/db/"
    CLAMD_SOCK=$work/clamd.sock
    CLAMD_CONF=$work/clamd.conf
    sed -e "s|^DatabaseDirectory .*|DatabaseDirectory $work/db|" -e "s|^LocalSocket .*|LocalSocket $CLAMD_SOCK|" \
        -e "s|^TCPSocket .*|TCPSocket ${CLAMD_PORT:-13310}|" -e '/^SelfCheck/d' "$root/rules/clamav/clamd.conf" >"$CLAMD_CONF"
    printf 'User root\nTemporaryDirectory %s\nPidFile %s\n' "$work/tmp" "$work/clamd.pid" >>"$CLAMD_CONF"
    /usr/sbin/clamd --foreground=yes --config-file="$CLAMD_CONF" >"$work/clamd.out" 2>&1 &
    CLAMD_PID=$!
    for _ in $(seq 300); do
        [[ -S $CLAMD_SOCK ]] && clamdscan --config-file="$CLAMD_CONF" --ping 1 >/dev/null 2>&1 && return 0
        kill -0 "$CLAMD_PID" 2>/dev/null || { cat "$work/clamd.out" >&2; return 1; }
        sleep 0.2
    done
    echo "clamd did not answer within 60 s" >&2
    return 1
}

stop_private_clamd() {
    if [[ -n ${CLAMD_PID:-} ]]; then
        kill "$CLAMD_PID" 2>/dev/null || true
        wait "$CLAMD_PID" 2>/dev/null || true
        CLAMD_PID=
    fi
}
