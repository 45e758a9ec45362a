package sqlstore

import (
	"math"
	"testing"
)

func TestBucket(t *testing.T) {
	for _, c := range []struct {
		x, want int64
	}{
		{-5, -1},
		{-1000, -1},
		{0, 0},
		{42, 42},
		{99, 99},
		{100, 310},
		{109, 310},
		{110, 311},
		{155, 315},
		{999, 399},
		{1000, 410},
		{1099, 410},
		{4320, 443},
		{9999, 499},
		{10000, 510},
		{525600, 652},
		{math.MaxInt64, 1992},
	} {
		if got := bucket(c.x); got != c.want {
			t.Errorf("bucket(%d) = %d, want %d", c.x, got, c.want)
		}
	}
}

// TestBucketOrder checks that buckets are ordered like their values and
// that only the values below 100 have a bucket of their own.
func TestBucketOrder(t *testing.T) {
	prev := bucket(-1)
	for x := int64(0); x <= 200000; x++ {
		b := bucket(x)
		if b < prev {
			t.Fatalf("bucket(%d) = %d < bucket(%d) = %d", x, b, x-1, prev)
		}
		if bucketExact(b) != (x < 100) {
			t.Fatalf("bucketExact(bucket(%d) = %d) = %v", x, b, bucketExact(b))
		}
		prev = b
	}
}
