#!/usr/bin/env bash
# Install the course and its JupyterHub on one Debian 12 / Ubuntu 24.04 machine (run as root, from a
# clone of the repository). Safe to run again: it updates the course environment and keeps
# /etc/kap/hub.env and the course root.
#
#   sudo KAP_INSTRUCTORS=alice KAP_TRAINEES=t01,t02 deploy/vm/bootstrap.sh
#
# What it does:
#   1. system packages (Python venv, Node.js for the proxy, rsync);
#   2. the course in /opt/kap/src and one environment for every user in /opt/kap/venv (world-readable):
#      the course package, JupyterLab, nbgrader, JupyterHub 5, the systemd spawner and the idle culler;
#   3. configurable-http-proxy from npm;
#   4. the nbgrader exchange /srv/nbgrader/exchange (mode 1777) and the course root
#      /srv/nbgrader/<course> owned by the grader account (mode 0700: gradebook and hidden tests);
#   5. /etc/kap/hub.env (the KAP_* settings read by jupyterhub_config.py) and the jupyterhub service.
# Accounts for instructors and trainees: deploy/vm/add_users.sh (private homes, generated passwords).
set -euo pipefail

[[ $(id -u) -eq 0 ]] || { echo "bootstrap.sh: run as root." >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=/opt/kap
COURSE=${KAP_COURSE_ID:-kap-anxiety}
GRADER=${KAP_GRADER_USER:-grader-$COURSE}
EXCHANGE=${KAP_EXCHANGE:-/srv/nbgrader/exchange}
COURSE_ROOT=${KAP_COURSE_ROOT:-/srv/nbgrader/$COURSE}
[[ $COURSE =~ ^[A-Za-z0-9_-]+$ ]] || { echo "bootstrap.sh: KAP_COURSE_ID='$COURSE': use letters, digits, _ and -." >&2; exit 1; }

echo "== system packages"
apt-get update -q
apt-get install -y -q python3 python3-venv nodejs npm rsync

echo "== course environment in $PREFIX"
mkdir -p "$PREFIX"
rsync -a --delete --exclude .venv --exclude .hub-tools --exclude '*.egg-info' "$REPO/" "$PREFIX/src/"
[[ -x $PREFIX/venv/bin/python ]] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install -q --upgrade pip
"$PREFIX/venv/bin/pip" install -q -e "$PREFIX/src" "jupyterhub>=5,<6" \
  "jupyterhub-systemdspawner==1.0.2" "jupyterhub-idle-culler==2.0.0"
# An editable install skips the package's data files: switch on the course's server extension by hand.
install -D -m 0644 "$PREFIX/src/jupyter-config/kap_course.json" \
  "$PREFIX/venv/etc/jupyter/jupyter_server_config.d/kap_course.json"
chmod -R a+rX "$PREFIX"

echo "== configurable-http-proxy"
# 4.x runs on the Node.js 18 that Debian 12 and Ubuntu 24.04 ship (5.x needs Node.js 20); make test uses the same.
npm install -g --no-audit --no-fund configurable-http-proxy@4.6.3

echo "== exchange $EXCHANGE and course root $COURSE_ROOT"
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"
id "$GRADER" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash -K HOME_MODE=0700 "$GRADER"
mkdir -p "$COURSE_ROOT"
chown "$GRADER:" "$COURSE_ROOT"
chmod 0700 "$COURSE_ROOT"
# First run only: the course's own tool writes the nbgrader config and copies every module's source
# (later runs leave the course root, and the instructors' work in it, as it is).
if [[ ! -f $COURSE_ROOT/nbgrader_config.py ]]; then
  (cd "$COURSE_ROOT" && runuser -u "$GRADER" -- "$PREFIX/venv/bin/python" -c \
    "from pathlib import Path; from course.nbgrading import course_directory; course_directory(Path.cwd(), course_id='$COURSE')")
fi

echo "== hub settings and service"
install -d -m 0700 /srv/jupyterhub /etc/kap
if [[ ! -f /etc/kap/hub.env ]]; then
  cat > /etc/kap/hub.env <<ENV
KAP_COURSE_ID=$COURSE
KAP_INSTRUCTORS=${KAP_INSTRUCTORS:-}
KAP_TRAINEES=${KAP_TRAINEES:-}
KAP_ADMINS=${KAP_ADMINS:-}
KAP_GRADER_USER=$GRADER
KAP_COURSE_ROOT=$COURSE_ROOT
KAP_EXCHANGE=$EXCHANGE
KAP_STATE_DIR=/srv/jupyterhub
KAP_SPAWNER=systemd
KAP_MEM_LIMIT=${KAP_MEM_LIMIT:-1G}
KAP_CPU_LIMIT=${KAP_CPU_LIMIT:-1}
KAP_CULL_TIMEOUT=${KAP_CULL_TIMEOUT:-3600}
KAP_HUB_IP=${KAP_HUB_IP:-127.0.0.1}
KAP_HUB_PORT=${KAP_HUB_PORT:-8000}
ENV
  chmod 0600 /etc/kap/hub.env
fi
install -m 0644 "$PREFIX/src/deploy/vm/jupyterhub.service" /etc/systemd/system/jupyterhub.service
systemctl daemon-reload
systemctl enable jupyterhub
systemctl restart jupyterhub
echo "JupyterHub is starting on ${KAP_HUB_IP:-127.0.0.1}:${KAP_HUB_PORT:-8000}; settings in /etc/kap/hub.env."
