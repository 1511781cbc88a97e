/**
 * Imported first by e2e files that run the delivery path: short ack timeouts, backoffs and
 * heartbeats, so retries and recoveries happen within a test. The apps read these when their
 * modules are imported, hence a side-effect import placed before them.
 */
Object.assign(process.env, {
  ACK_TIMEOUT_MS: '1500',
  DELIVERY_TIMEOUT_MS: '1000',
  BACKOFF_BASE_MS: '20',
  BACKOFF_FACTOR: '2',
  BACKOFF_CAP_MS: '200',
  // The broker drops a consumer after three missed beats: at 200 ms, a busy test process (broker, consumer
  // and stand-ins share its event loop) once stalled long enough to drop a healthy stand-in.
  HEARTBEAT_INTERVAL_MS: '500',
  DISPATCH_POLL_MS: '10',
  ACK_FLUSH_MS: '2',
  // Smaller than the broker's DELIVERY_BATCH, so the tests also prove batches fit a consumer's buffer.
  BUFFER_SIZE: '300',
});
