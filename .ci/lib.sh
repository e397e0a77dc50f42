# Shared by .ci/demo and .ci/test (sourced, not run): install steps that do nothing when
# their work is already done, so both commands are safe to run again on any machine.

say() { printf '\n== %s\n' "$*" >&2; }

# Python 3.11 (Debian 12's own, unless another one comes first on PATH) with its venv module.
find_python() {
    local candidate
    for candidate in python3.11 /usr/bin/python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import ensurepip" 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Installs the Debian packages given that are missing (apt-get update first, only then).
install_debian_packages() {
    local package missing=()
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if ((${#missing[@]} == 0)); then return 0; fi
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -q </dev/null || return 1
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# Creates .venv and installs the project with the given pip target ('.' or '.[test]'); a stamp
# holding pyproject.toml's hash skips the install when nothing changed.
install_venv() {
    local target="$1" stamp="$2" python wanted
    if ! find_python >/dev/null; then
        install_debian_packages python3.11 python3.11-venv || return 1
    fi
    if [ ! -x .venv/bin/python ]; then
        python="$(find_python)" || { echo "Python 3.11 with venv is needed" >&2; return 1; }
        say "creating .venv with $python"
        "$python" -m venv .venv || return 1
    fi
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ] || [ ! -x .venv/bin/hailong ]; then
        say "installing $target into .venv"
        .venv/bin/python -m pip install -q -e "$target" </dev/null || return 1
        echo "$wanted" >"$stamp"
    fi
}
