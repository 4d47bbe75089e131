#!/bin/sh
# Stand-in for the mariadb image's entrypoint: the same variables (MARIADB_USER, MARIADB_PASSWORD,
# MARIADB_DATABASE, MARIADB_ROOT_PASSWORD), a first-start initialisation, then the server on every address.
set -eu
datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown mysql:mysql "$datadir" /run/mysqld
[ "$1" = mariadbd ] && shift && set -- mariadbd --user=mysql --datadir="$datadir" \
  --bind-address=0.0.0.0 --skip-name-resolve "$@"
if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=socket \
    --skip-test-db >/dev/null
  init=/run/mysqld/init.sql
  {
    if [ -n "${MARIADB_ROOT_PASSWORD:-}" ]; then
      echo "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$MARIADB_ROOT_PASSWORD');"
      echo "CREATE USER root@'%' IDENTIFIED BY '$MARIADB_ROOT_PASSWORD';"
      echo "GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
    fi
    if [ -n "${MARIADB_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"
    fi
    if [ -n "${MARIADB_USER:-}" ]; then
      echo "CREATE USER '$MARIADB_USER'@'%' IDENTIFIED BY '${MARIADB_PASSWORD:-}';"
      [ -n "${MARIADB_DATABASE:-}" ] && echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';"
    fi
  } >"$init"
  chown mysql "$init"
  set -- "$@" --init-file="$init"
fi
exec "$@"
