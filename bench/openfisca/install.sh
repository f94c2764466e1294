#!/usr/bin/env bash
# Installs openfisca-france-pension 0.1.3 in its own virtual environment (bench/.venv-openfisca) from the
# pinned, hashed lock file beside this script (it pins pytest and cannot join the project's uv.lock).
# Regenerate the lock: uv pip compile --generate-hashes --python-version 3.11 requirements.in -o requirements.lock
set -euo pipefail
ici="$(cd "$(dirname "$0")" && pwd)"
venv="$ici/../.venv-openfisca"
uv="${UV:-$(command -v uv || echo "$ici/../../.outils/bin/uv")}"
if [ ! -x "$venv/bin/python" ]; then
  "$uv" venv --quiet --python 3.11 "$venv"
fi
"$uv" pip sync --quiet --require-hashes --python "$venv/bin/python" "$ici/requirements.lock"
"$venv/bin/python" -c "import openfisca_france_pension, openfisca_core; print('openfisca-france-pension', 'prêt')"
