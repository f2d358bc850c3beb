/** The wiring: one method that builds and starts every component in order, and stops them. */
package io.pgwarden.instance;
