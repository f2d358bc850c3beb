/**
 * TLS material: PEM parsing with the JDK, generation with BouncyCastle, validation, fingerprints
 * and installation under the certificates directory. Port 8000's hot-swappable server context is
 * {@code io.pgwarden.http.StatusTls}.
 */
package io.pgwarden.tls;
