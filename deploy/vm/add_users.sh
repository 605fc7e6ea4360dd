#!/usr/bin/env bash
# Create course accounts on the hub machine (run as root).
#   deploy/vm/add_users.sh < usernames.txt > passwords.txt
# Reads one Linux user name per line (blank lines and lines starting with # are skipped), checks them
# all before creating any, and prints "name password" for each new account: hand these out privately.
# Homes are made private (mode 0700): on one machine, file permissions are what keep a trainee's
# work away from the others. Existing accounts are left as they are (their home mode is reported).
set -euo pipefail

[[ $(id -u) -eq 0 ]] || { echo "add_users.sh: run as root (it creates Linux accounts)." >&2; exit 1; }

names=()
while IFS= read -r line || [[ -n $line ]]; do
  read -r name extra <<<"$line" || true
  [[ -z ${name:-} || $name == \#* ]] && continue
  if [[ -n ${extra:-} || ! $name =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then
    echo "add_users.sh: '$line' is not a valid user name: use lower-case letters, digits, _ and -" \
         "(at most 32 characters, starting with a letter or _). Nothing was created." >&2
    exit 1
  fi
  names+=("$name")
done

for name in "${names[@]}"; do
  if id "$name" >/dev/null 2>&1; then
    echo "add_users.sh: $name already exists, left unchanged (home mode $(stat -c %a "$(getent passwd "$name" | cut -d: -f6)"))" >&2
    continue
  fi
  useradd --create-home --shell /bin/bash -K HOME_MODE=0700 "$name"
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 16)
  echo "$name:$password" | chpasswd
  echo "$name $password"
done
