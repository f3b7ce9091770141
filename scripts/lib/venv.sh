# shellcheck shell=bash
# Sourced by scripts/demo and scripts/test: makes .venv and keeps the project installed in it.
#
# `ensure_venv EXTRAS` creates .venv when it is missing or broken, and runs
# `pip install -e ".[EXTRAS]"` only when pyproject.toml, the extras or the checkout path changed
# since the last successful install (recorded in .venv/.frontdesk-install-stamp), so the
# everyday run costs nothing.

VENV_DIR=.venv
STAMP_FILE="$VENV_DIR/.frontdesk-install-stamp"

# Colours only on a terminal: CI logs stay plain text. (The scripts that source this use them.)
# shellcheck disable=SC2034
if [ -t 1 ] && [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
    BOLD=$'\033[1m' RED=$'\033[1;31m' YELLOW=$'\033[1;33m' BLUE=$'\033[1;34m' RESET=$'\033[0m'
else
    BOLD="" RED="" YELLOW="" BLUE="" RESET=""
fi
log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
die() { printf '%serror:%s %s\n' "$RED" "$RESET" "$*" >&2; exit 1; }

_find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

_install_key() {
    # What an install depends on: the project's metadata and where the checkout lives
    # (an editable install points at this path).
    printf '%s %s' "$(sha256sum pyproject.toml | cut -d' ' -f1)" "$PWD"
}

ensure_venv() {
    local extras="${1:-}"
    local target="." key python
    [ -n "$extras" ] && target=".[$extras]"

    if [ -d "$VENV_DIR" ] && ! "$VENV_DIR/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "$VENV_DIR is broken (moved, or its Python is gone): making it again"
        rm -rf "$VENV_DIR"
    fi
    if [ ! -x "$VENV_DIR/bin/python" ]; then
        python=$(_find_python) || die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3)"
        log "creating $VENV_DIR with $("$python" --version 2>&1)"
        "$python" -m venv "$VENV_DIR" \
            || die "could not create $VENV_DIR (on Debian: apt-get install python3-venv)"
    fi

    # The stamp holds the install key on line 1 and the extras on line 2. A dev install serves
    # the demo too, so a plain install is satisfied by any extras.
    key=$(_install_key)
    if [ -f "$STAMP_FILE" ] && [ -x "$VENV_DIR/bin/frontdesk" ] \
        && [ "$(sed -n 1p "$STAMP_FILE")" = "$key" ]; then
        if [ -z "$extras" ] || [ "$(sed -n 2p "$STAMP_FILE")" = "$extras" ]; then
            return 0
        fi
    fi

    log "installing Frontdesk ($target) into $VENV_DIR (first run takes a minute or two)"
    rm -f "$STAMP_FILE"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_DIR/bin/python" -m pip install -q -e "$target" \
        </dev/null || die "pip install -e \"$target\" failed"
    printf '%s\n%s\n' "$key" "$extras" >"$STAMP_FILE"
}
