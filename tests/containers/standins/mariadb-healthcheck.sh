#!/bin/sh
# Stand-in for the mariadb image's healthcheck.sh: only the two tests compose.yaml asks for.
set -eu
for test in "$@"; do
  case $test in
    --connect) mariadb-admin --protocol=tcp --host=127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1 ;;
    --innodb_initialized)
      [ "$(mariadb --protocol=socket -uroot -Nse "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT')")" = 1 ] ;;
    *) echo "healthcheck.sh (stand-in): unknown test $test" >&2; exit 1 ;;
  esac
done
