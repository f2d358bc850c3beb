/**
 * Netty HTTP servers: the status API of port 8000 (and the shape the metrics server of port 9187
 * reuses): one pipeline, one route table, TLS 1.3 that rotates without a restart.
 */
package io.pgwarden.http;
