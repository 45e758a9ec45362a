package sqlite_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestTeamsConformance(t *testing.T) {
	storetest.RunTeams(t, open)
}
