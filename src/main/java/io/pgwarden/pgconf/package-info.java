/**
 * Pure rendering of the files pgwarden owns in PGDATA (custom.conf, postgresql.conf includes,
 * pg_hba.conf, pg_ident.conf) from immutable inputs, refusing anything that could smuggle a second
 * directive into them.
 */
package io.pgwarden.pgconf;
