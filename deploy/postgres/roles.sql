-- The register's three PostgreSQL roles (docs/deployment.md, "Least privilege on the register").
-- Run as a superuser (or a role with CREATEROLE that owns the database), idempotently:
--
--   psql -v ON_ERROR_STOP=1 -v db=register \
--        -v loader_password="$LOADER_PW" -v refresher_password="$REFRESHER_PW" \
--        -v subjects_password="$SUBJECTS_PW" -f deploy/postgres/roles.sql
--
-- Then, as tietohuolto_loader: `tietohuolto register load SNAPSHOT_DIR` (creates the tables,
-- owned by the loader), and `tietohuolto register grants --print | psql -v ON_ERROR_STOP=1 ...`
-- (the table privileges, generated from register/tables.py). Run the grants again after
-- every upgrade. A second run of this file changes nothing but the passwords.

\if :{?db}
\else
  \echo 'roles.sql: set -v db=<register database>'
  \quit
\endif

SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['tietohuolto_loader', 'tietohuolto_refresher', 'tietohuolto_subjects']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r)
\gexec

ALTER ROLE tietohuolto_loader    LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'loader_password';
ALTER ROLE tietohuolto_refresher LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'refresher_password';
ALTER ROLE tietohuolto_subjects  LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'subjects_password';

REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO tietohuolto_loader;
GRANT CONNECT ON DATABASE :"db" TO tietohuolto_refresher, tietohuolto_subjects;

\connect :"db"
-- Only the loader creates tables; the others only use what it granted them.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO tietohuolto_loader;
GRANT USAGE ON SCHEMA public TO tietohuolto_refresher, tietohuolto_subjects;
