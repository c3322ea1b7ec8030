#!/bin/sh
# The single-user command of the zero-to-jupyterhub image (config.yaml: singleuser.cmd).
# On a student's first start, copy the notebooks into ~/notebooks *before* the server starts
# listening, and atomically: they are assembled in a fresh hidden folder on the student's volume,
# then renamed into place (rename(2): all or nothing). The hub only reports the server ready once
# it answers HTTP, so a student never lands on a server without their notebooks, and a start
# killed mid-copy leaves no half-filled ~/notebooks that later starts would keep.
# (A postStart hook would run beside the server, not before it.) Later starts keep the
# student's copy, edits included.
set -eu
SOURCE="${GENZOO_NOTEBOOKS:-/srv/genzoo-lite/notebooks}"
if [ ! -e "$HOME/notebooks" ] && [ ! -L "$HOME/notebooks" ]; then
    staging="$(mktemp -d "$HOME/.notebooks-XXXXXX")"
    cp "$SOURCE"/*.ipynb "$staging"/
    mv -T "$staging" "$HOME/notebooks"
fi
exec "${GENZOO_SINGLEUSER:-jupyterhub-singleuser}" "$@"
