-- Outbound webhooks: one queue per subscription.
--
-- lease_until: a claimed delivery is kept from other workers until then
-- (it used to be written over next_attempt_at, so a resumed or redelivered
-- delivery could be claimed twice while an attempt ran).
-- paused_at: when the subscription was disabled; enabling it again moves
-- its pending deliveries' retry window by the paused time.
-- The indexes serve the per-subscription claim and its head-of-line check
-- (no delivery of an incident before an earlier one of the same incident).

-- +goose Up
ALTER TABLE webhook_deliveries ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE webhook_subscriptions ADD COLUMN paused_at TIMESTAMPTZ;
UPDATE webhook_subscriptions SET paused_at = updated_at WHERE NOT active;
CREATE INDEX webhook_deliveries_sub_due ON webhook_deliveries (subscription_id, status, next_attempt_at);
CREATE INDEX webhook_deliveries_sub_incident ON webhook_deliveries (subscription_id, incident_id, status, outbox_id);

-- +goose Down
DROP INDEX webhook_deliveries_sub_incident;
DROP INDEX webhook_deliveries_sub_due;
ALTER TABLE webhook_subscriptions DROP COLUMN paused_at;
ALTER TABLE webhook_deliveries DROP COLUMN lease_until;
