# Shared helpers for the scripts (sourced, not run).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# WAYMARK_BIN as given, or a release build of `waymark` made now (.build-release/): the binary the
# benchmarks and evaluation scripts run. Exported, so the scripts they start see it too.
ensure_release_bin() {
    if [ -z "${WAYMARK_BIN:-}" ]; then
        log "building the release binary"
        swift build -c release --scratch-path "$ROOT/.build-release" --product waymark >&2
        WAYMARK_BIN="$ROOT/.build-release/release/waymark"
    fi
    export WAYMARK_BIN
}

# Installs the system packages the build needs (libpq's headers, pkg-config) when missing.
ensure_build_deps() {
    local missing=()
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    # The evaluation report is checked in a real browser by the tests.
    if [ "${WAYMARK_NEEDS_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1 \
        && ! command -v chromium-browser >/dev/null 2>&1; then missing+=(chromium); fi
    if ! pkg-config --exists libpq 2>/dev/null; then missing+=(libpq-dev); fi
    command -v swift >/dev/null 2>&1 || die "swift is not on PATH: install the Swift toolchain (6.1 or newer)"
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]} from Debian's packages"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) and run again"
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >&2
    $sudo apt-get install -y -qq "${missing[@]}" >&2
}

# Starts the embedded database unless one is configured, and exports libpq's PG* variables.
use_database() {
    if [ -n "${WAYMARK_DATABASE_URL:-}" ]; then
        log "using WAYMARK_DATABASE_URL"
        return 0
    fi
    if [ -n "${PGHOST:-}" ] || [ -n "${PGDATABASE:-}" ]; then
        log "using the database of the PG* environment variables"
        return 0
    fi
    "$ROOT/scripts/dev-db" start
    eval "$("$ROOT/scripts/dev-db" env)"
}

# Makes sure .venv-mcp/ (gitignored) holds the official MCP Python SDK, creating it and installing
# the `mcp` package from PyPI only when missing. Prints the venv's python; returns 1 (with a
# message) when it cannot be installed, e.g. PyPI is unreachable.
ensure_mcp_sdk() {
    local venv="$ROOT/.venv-mcp"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import mcp.client.stdio" >/dev/null 2>&1; then
        echo "$venv/bin/python"
        return 0
    fi
    # A bare Debian has no python3, and Debian ships venv apart (python3-venv): install them from
    # Debian's packages, as the build's packages are.
    local sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    install_python() {
        if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
            log "installing python3 and python3-venv from Debian's packages"
            DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >&2 || true
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >&2 || true
        fi
    }
    command -v python3 >/dev/null 2>&1 || install_python
    command -v python3 >/dev/null 2>&1 || { log "python3 is not on PATH (on Debian: apt-get install python3 python3-venv)"; return 1; }
    log "installing the MCP Python SDK (mcp from PyPI) into .venv-mcp/"
    if ! { [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2; }; then
        rm -rf "$venv"
        install_python
        if ! python3 -m venv "$venv" >&2; then
            log "python3 -m venv failed (on Debian: apt-get install python3-venv)"
            return 1
        fi
    fi
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp>=2.3,<3" >&2; then
        log "pip could not install mcp from PyPI (offline, or PyPI unreachable)"
        return 1
    fi
    echo "$venv/bin/python"
}
