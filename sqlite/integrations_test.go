package sqlite_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestIntegrationsConformance(t *testing.T) {
	storetest.RunIntegrations(t, open)
}

func TestTrackersConformance(t *testing.T) {
	storetest.RunTrackers(t, open)
}
