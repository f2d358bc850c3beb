/** Command line: the {@code standalone}, {@code instance run} and {@code version} commands. */
package io.pgwarden.cli;
