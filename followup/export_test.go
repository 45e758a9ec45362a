package followup

import (
	"context"
	"net/url"

	"github.com/hindsight-pm/hindsight"
)

// InsightsStore is Handler.Insights without keyCase: the store's answer
// alone (the benchmark's "store" case).
func (h *Handler) InsightsStore(ctx context.Context, v hindsight.Viewer, q url.Values) (*hindsight.Insights, error) {
	f, err := InsightsQuery(q, h.today(), h.opts.Objectives, h.opts.UnpublishedDays)
	if err != nil {
		return nil, err
	}
	return h.store.Insights(ctx, v, f)
}
