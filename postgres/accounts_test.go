package postgres_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestAccountsConformance(t *testing.T) {
	testURL(t)
	storetest.RunAccounts(t, open)
}
