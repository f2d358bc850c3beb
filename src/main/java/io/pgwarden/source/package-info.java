/**
 * Where spec, Secrets and ConfigMaps come from: files in standalone mode, the API in Kubernetes.
 */
package io.pgwarden.source;
