package followup

import (
	"context"
	"net/url"

	"github.com/hindsight-pm/hindsight"
)

// ForgetKeyForms empties the remembered spellings of breakdown keys (the
// benchmark's cold case).
func (h *Handler) ForgetKeyForms() {
	h.keys.mu.Lock()
	h.keys.forms = nil
	h.keys.mu.Unlock()
}

// InsightsBefore is Handler.Insights without keyCase (the benchmark's
// before).
func (h *Handler) InsightsBefore(ctx context.Context, v hindsight.Viewer, q url.Values) (*hindsight.Insights, error) {
	f, err := InsightsQuery(q, h.today(), h.opts.Objectives, h.opts.UnpublishedDays)
	if err != nil {
		return nil, err
	}
	return h.store.Insights(ctx, v, f)
}
