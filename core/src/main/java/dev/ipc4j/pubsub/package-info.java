/**
 * Publish/subscribe on one host: a sample is written once into the publisher's shared memory and every subscriber
 * process reads that block in place. A {@link dev.ipc4j.pubsub.Publisher} serves a topic from its
 * {@code SessionServer}'s app arena (one index ring per topic, one futex word for every sleeping subscriber), and a
 * {@link dev.ipc4j.pubsub.Subscriber} reads it over a session (the server's allow-list and credential checks apply),
 * {@link dev.ipc4j.pubsub.Delivery#LOSSY lossy} with exact {@link dev.ipc4j.pubsub.Gap gaps} or
 * {@link dev.ipc4j.pubsub.Delivery#RELIABLE reliable} with a bounded wait and a
 * {@link dev.ipc4j.pubsub.SlowSubscriberPolicy}. Layouts: docs/wire-format.md; design and limits: docs/pubsub.md.
 */
package dev.ipc4j.pubsub;
