"""Outgoing webhooks: workspace subscriptions to domain events, signed deliveries through the
outbox with retries, a delivery log and redelivery (docs/webhooks.md)."""
