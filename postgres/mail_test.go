package postgres_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight/storetest"
)

func TestMailConformance(t *testing.T) {
	testURL(t)
	storetest.RunMail(t, open)
}
