/** The subset of CloudNativePG's {@code Cluster} that pgwarden reads, parsed and validated. */
package io.pgwarden.spec;
