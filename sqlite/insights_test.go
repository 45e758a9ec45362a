package sqlite_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestInsights(t *testing.T) {
	storetest.RunInsights(t, open)
}
