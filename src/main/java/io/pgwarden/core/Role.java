package io.pgwarden.core;

/** What this instance is in its cluster. */
public enum Role {
  /** Accepts writes; replicas stream from it. */
  PRIMARY,
  /** Streams from the primary, read-only. */
  REPLICA
}
