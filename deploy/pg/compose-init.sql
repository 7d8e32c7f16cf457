-- First start of compose's PostgreSQL (mounted into /docker-entrypoint-initdb.d):
-- the service's role is an ordinary one that owns the database, never the
-- image's superuser, so the row-level security forced on every tenant table
-- applies to it (superusers and BYPASSRLS roles skip every policy). The
-- password matches STREAMTUNE_DATABASE_URL in compose.yaml: change both.
CREATE ROLE streamtune LOGIN PASSWORD 'streamtune' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE streamtune OWNER streamtune;
