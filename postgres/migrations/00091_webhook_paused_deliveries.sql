-- Deliveries that earlier versions failed only because their webhook was
-- disabled ("the subscription is disabled") are pending again while it is
-- still disabled: disabling pauses now, so enabling it resumes them (their
-- retry window moved by the paused time, like any paused delivery).

-- +goose Up
UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = updated_at
WHERE status = 'failed' AND last_error = 'the subscription is disabled'
  AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE NOT active);

-- +goose Down
SELECT 1;
