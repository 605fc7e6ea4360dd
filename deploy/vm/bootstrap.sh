#!/usr/bin/env bash
# Install the course and its JupyterHub on one Debian 12 / Ubuntu 24.04 machine (run as root, from a
# clone of the repository). Safe to run again: it updates the course environment and keeps
# /etc/kap/hub.env and the course root.
#
#   sudo KAP_INSTRUCTORS=alice KAP_TRAINEES=t01,t02 deploy/vm/bootstrap.sh
#
# What it does:
#   1. system packages (Python venv, Node.js for the proxy, rsync, bubblewrap for grading);
#   2. the course in /opt/kap/src and one environment for every user in /opt/kap/venv (world-readable):
#      the course package, JupyterLab, nbgrader, JupyterHub 5, the systemd spawner and the idle culler;
#   3. configurable-http-proxy from npm;
#   4. the nbgrader exchange /srv/nbgrader/exchange (mode 1777) and the cohorts home /srv/nbgrader/cohorts
#      owned by the grader account (mode 0700: workspaces with gradebooks and hidden tests);
#   5. `course cohort` for the program lead and instructors: /usr/local/bin/course (the course's command with
#      the cohorts home), the lessons (solutions/, hidden tests) readable by root and the grader account only;
#   6. /etc/kap/hub.env (the KAP_* settings read by jupyterhub_config.py) and the jupyterhub service.
# Then make the cohort: `course cohort new <course id> --roster roster.csv --exchange /srv/nbgrader/exchange`
# and `systemctl restart jupyterhub` (README, "One VM").
# Accounts for instructors and trainees: deploy/vm/add_users.sh (private homes, generated passwords).
set -euo pipefail

[[ $(id -u) -eq 0 ]] || { echo "bootstrap.sh: run as root." >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=/opt/kap
COURSE=${KAP_COURSE_ID:-kap-anxiety}
GRADER=${KAP_GRADER_USER:-grader-$COURSE}
EXCHANGE=${KAP_EXCHANGE:-/srv/nbgrader/exchange}
COHORTS_HOME=${KAP_COHORTS_HOME:-/srv/nbgrader/cohorts}
COURSE_ROOT=${KAP_COURSE_ROOT:-$COHORTS_HOME/$COURSE/course}
[[ $COURSE =~ ^[A-Za-z0-9_-]+$ ]] || { echo "bootstrap.sh: KAP_COURSE_ID='$COURSE': use letters, digits, _ and -." >&2; exit 1; }

echo "== system packages"
apt-get update -q
apt-get install -y -q python3 python3-venv nodejs npm rsync bubblewrap

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

echo "== exchange $EXCHANGE and cohorts home $COHORTS_HOME"
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"
id "$GRADER" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash -K HOME_MODE=0700 "$GRADER"
# Cohort workspaces (`course cohort new`): the grader account's, private. Root may run `course cohort` too:
# what it makes in a workspace is handed back to the grader account (course/cohort/owners.py).
mkdir -p "$COHORTS_HOME"
chown "$GRADER:" "$COHORTS_HOME"
chmod 0700 "$COHORTS_HOME"

echo "== course cohort"
# The lessons hold the model answers and hidden tests: not for trainees, who can read the rest of $PREFIX.
chown -R "root:$GRADER" "$PREFIX/src/solutions"
chmod -R u=rwX,g=rX,o= "$PREFIX/src/solutions"
# `course` for root (sudo keeps /usr/local/bin on PATH) and everyone else, with this machine's cohorts home;
# the course service's terminals have it too (KAP_COHORTS_HOME in their environment).
cat > /usr/local/bin/course <<WRAPPER
#!/bin/sh
# The KAP for Anxiety course's command line, with this machine's cohorts home (written by bootstrap.sh).
: "\${KAP_COHORTS_HOME:=$COHORTS_HOME}"
export KAP_COHORTS_HOME
exec $PREFIX/venv/bin/course "\$@"
WRAPPER
chmod 0755 /usr/local/bin/course
command -v bwrap >/dev/null || { echo "bootstrap.sh: bubblewrap did not install; grading needs it." >&2; exit 1; }

echo "== hub settings and service"
install -d -m 0700 /srv/jupyterhub /etc/kap
if [[ ! -f /etc/kap/hub.env ]]; then
  cat > /etc/kap/hub.env <<ENV
KAP_COURSE_ID=$COURSE
KAP_INSTRUCTORS=${KAP_INSTRUCTORS:-}
KAP_TRAINEES=${KAP_TRAINEES:-}
KAP_ADMINS=${KAP_ADMINS:-}
KAP_GRADER_USER=$GRADER
KAP_COHORTS_HOME=$COHORTS_HOME
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
