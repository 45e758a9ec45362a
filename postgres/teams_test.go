package postgres_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestTeamsConformance(t *testing.T) {
	testURL(t)
	storetest.RunTeams(t, open)
}
