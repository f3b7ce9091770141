# shellcheck shell=bash
# Sourced by scripts/demo and scripts/test, after scripts/lib/venv.sh (for log, die, colours):
# builds the agent workspace (web/app, Vue + Vite) into src/frontdesk/static/app, which the
# desk serves at /app/.
#
# `ensure_web_packages` runs `npm ci` only when package-lock.json changed since the last
# successful install (recorded in web/app/node_modules/.frontdesk-install-stamp);
# `build_web` does that and then `npm run build`. The same for the website chat widget
# (web/widget → src/frontdesk/static/widget, served at /widget.js): `build_widget`.

WEB_DIR=web/app
WEB_STAMP_FILE="$WEB_DIR/node_modules/.frontdesk-install-stamp"
# The website chat widget (web/widget, plain TypeScript) → src/frontdesk/static/widget (/widget.js).
WIDGET_DIR=web/widget
WIDGET_STAMP_FILE="$WIDGET_DIR/node_modules/.frontdesk-install-stamp"

# Vite 8 wants Node.js ^20.19 or >= 22.12.
web_tools_missing() { # prints why the front end cannot be built here; false when it can
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "Node.js 20.19+ with npm is needed to build the agent workspace" \
            "(Debian: apt-get install nodejs npm)"
        return 0
    fi
    if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
            process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
        echo "Node.js 20.19+ or 22.12+ is needed to build the agent workspace" \
            "(found $(node --version))"
        return 0
    fi
    return 1
}

ensure_web_packages() {
    local why key
    if why=$(web_tools_missing); then die "$why"; fi
    ensure_widget_packages
    key=$(sha256sum "$WEB_DIR/package-lock.json" | cut -d' ' -f1)
    if [ -f "$WEB_STAMP_FILE" ] && [ "$(cat "$WEB_STAMP_FILE")" = "$key" ]; then
        return 0
    fi
    log "installing the agent workspace's packages (npm ci in $WEB_DIR)"
    (cd "$WEB_DIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null) \
        || die "npm ci in $WEB_DIR failed"
    printf '%s\n' "$key" >"$WEB_STAMP_FILE"
}

ensure_widget_packages() {
    local key
    key=$(sha256sum "$WIDGET_DIR/package-lock.json" | cut -d' ' -f1)
    if [ -f "$WIDGET_STAMP_FILE" ] && [ "$(cat "$WIDGET_STAMP_FILE")" = "$key" ]; then
        return 0
    fi
    log "installing the website chat widget's packages (npm ci in $WIDGET_DIR)"
    (cd "$WIDGET_DIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null) \
        || die "npm ci in $WIDGET_DIR failed"
    printf '%s\n' "$key" >"$WIDGET_STAMP_FILE"
}

build_widget() {
    log "building the website chat widget ($WIDGET_DIR → src/frontdesk/static/widget)"
    (cd "$WIDGET_DIR" && npm run --silent build </dev/null) || die "npm run build in $WIDGET_DIR failed"
}

build_web() {
    ensure_web_packages
    log "building the agent workspace ($WEB_DIR → src/frontdesk/static/app)"
    (cd "$WEB_DIR" && npm run --silent build </dev/null) || die "npm run build in $WEB_DIR failed"
    build_widget
}
