package postgres_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestIntegrationsConformance(t *testing.T) {
	testURL(t)
	storetest.RunIntegrations(t, open)
}

func TestTrackersConformance(t *testing.T) {
	testURL(t)
	storetest.RunTrackers(t, open)
}
