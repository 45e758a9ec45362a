package sqlite_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestAccountsConformance(t *testing.T) {
	storetest.RunAccounts(t, open)
}
