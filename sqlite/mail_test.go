package sqlite_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestMailConformance(t *testing.T) {
	storetest.RunMail(t, open)
}
