/** stdout as one JSON object a line: postgres csvlog and raw FIFOs, command output, and SLF4J. */
package io.pgwarden.logs;
