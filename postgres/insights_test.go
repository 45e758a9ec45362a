package postgres_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestInsights(t *testing.T) {
	testURL(t)
	storetest.RunInsights(t, open)
}
