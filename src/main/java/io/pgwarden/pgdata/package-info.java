/** The data directory and every file pgwarden installs: atomic writes, permissions, bootstrap. */
package io.pgwarden.pgdata;
