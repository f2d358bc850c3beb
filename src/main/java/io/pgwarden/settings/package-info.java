/** Immutable settings built from flags and environment, validated with the key's name. */
package io.pgwarden.settings;
