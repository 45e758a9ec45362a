package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTwoInstancesPostgres runs two `hindsight serve` processes on
// different ports against one PostgreSQL schema. Editors on both save to the
// same incidents: every save lands as its own revision or gets 409/412, and
// the revision history is exactly the acknowledged saves (no lost update).
// Clients on both create incidents on the same day: no duplicate Incident
// ID, and the IDs are consecutive.
func TestTwoInstancesPostgres(t *testing.T) {
	db := postgresURL(t)
	// the webhook receiver below is on loopback: private receivers allowed
	a := startServeEnv(t, "instance A", db, "HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1")
	b := startServeEnv(t, "instance B", db, "HINDSIGHT_WEBHOOK_ALLOW_PRIVATE=1")
	bases := []string{a.url, b.url}

	t.Run("SameIncidents", func(t *testing.T) {
		l := newLedger()
		for i := range 3 {
			if _, ok := l.create(t, bases[i%2], fmt.Sprintf("Shared incident %d", i), fmt.Sprintf("Shared seed %d.", i)); !ok {
				t.Fatalf("create: %v", l.problems)
			}
		}
		editors, dur := 6, 8*time.Second
		if full() {
			editors, dur = 12, 2*time.Minute
		}
		ctx, cancel := context.WithTimeout(context.Background(), dur)
		defer cancel()
		l.editors(t, ctx, "multi", bases, editors, 0).Wait()
		t.Logf("%d saves acknowledged, %d conflicts (409/412), %d errors, %d without an answer",
			l.saves.Load(), l.conflicts.Load(), l.errors.Load(), l.unknown.Load())
		if l.saves.Load() == 0 || l.conflicts.Load() == 0 {
			t.Fatalf("the editors did not race (%d saves, %d conflicts): the test proved nothing", l.saves.Load(), l.conflicts.Load())
		}
		if n := l.unknown.Load(); n != 0 {
			t.Fatalf("%d requests got no answer", n)
		}
		// Every answer arrived, so the history must be exactly the
		// acknowledged saves, and each one as acknowledged.
		l.verify(t, a.url, true)
	})

	t.Run("SameDayCreates", func(t *testing.T) {
		l := newLedger()
		per := 6
		if full() {
			per = 40
		}
		var wg sync.WaitGroup
		for c := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range per {
					l.create(t, bases[c%2], fmt.Sprintf("Same day %d-%d", c, k), fmt.Sprintf("Same day token %d-%d.", c, k))
				}
			}()
		}
		wg.Wait()
		for _, p := range l.problems {
			t.Error(p)
		}
		ids := l.incidents()
		if len(ids) != 8*per {
			t.Fatalf("%d of %d creates acknowledged", len(ids), 8*per)
		}
		// The other subtest created incidents on the same day first.
		seqs := map[int]string{}
		for _, id := range ids {
			day, seq, ok := splitID(id)
			if !ok || day != exampleDay {
				t.Errorf("Incident ID %s: want INC-%s-NNN", id, exampleDay)
				continue
			}
			if other, dup := seqs[seq]; dup {
				t.Errorf("duplicate Incident ID %s (also %s)", id, other)
			}
			seqs[seq] = id
		}
		var all []int
		for s := range seqs {
			all = append(all, s)
		}
		sort.Ints(all)
		for i := 1; i < len(all); i++ {
			if all[i] != all[i-1]+1 {
				t.Errorf("Incident IDs not consecutive: %03d then %03d", all[i-1], all[i])
			}
		}
		t.Logf("%d incidents created on one day through two instances: sequence %03d to %03d", len(ids), all[0], all[len(all)-1])
	})

	t.Run("WebhooksOnce", func(t *testing.T) {
		res, err := do(http.MethodGet, a.url+"/api/v1/webhooks", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.status == http.StatusNotFound {
			t.Skip("hindsight serve has no webhook routes and runs no delivery worker (cmd/hindsight/serve.go does not wire webhook.New/Start): cannot check delivery once across instances yet")
		}
		webhooksOnce(t, bases)
	})
}

// splitID splits INC-YYYYMMDD-NNN.
func splitID(id string) (day string, seq int, ok bool) {
	parts := strings.Split(id, "-")
	if len(parts) != 3 || parts[0] != "INC" {
		return "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	return parts[1], n, err == nil
}

// webhooksOnce subscribes a loopback receiver, creates incidents through
// both instances and checks that each delivery arrives once and each
// creation is announced once.
func webhooksOnce(t *testing.T, bases []string) {
	type got struct {
		DeliveryID int64  `json:"delivery_id"`
		Event      string `json:"event"`
		IncidentID string `json:"incident_id"`
	}
	var mu sync.Mutex
	var received []got
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var g got
		if err := json.Unmarshal(b, &g); err != nil {
			t.Errorf("delivery is not JSON: %v: %s", err, b)
		}
		mu.Lock()
		received = append(received, g)
		mu.Unlock()
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	sub := fmt.Sprintf(`{"url":"http://%s/hook","events":["*"],"format":"json","active":true}`, ln.Addr())
	res, err := do(http.MethodPost, bases[0]+"/api/v1/webhooks", map[string]string{"Content-Type": "application/json"}, []byte(sub))
	if err != nil || res.status/100 != 2 {
		t.Fatalf("subscribe: %v %d %s", err, res.status, res.body)
	}
	l := newLedger()
	for i := range 10 {
		if _, ok := l.create(t, bases[i%2], fmt.Sprintf("Webhook %d", i), fmt.Sprintf("Webhook token %d.", i)); !ok {
			t.Fatalf("create: %v", l.problems)
		}
	}
	want := map[string]bool{}
	for _, id := range l.incidents() {
		want[id] = true
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		created := map[string]int{}
		for _, g := range received {
			if g.Event == "incident.created" && want[g.IncidentID] {
				created[g.IncidentID]++
			}
		}
		n := len(created)
		mu.Unlock()
		if n == len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(5 * time.Second) // let a duplicate, if any, arrive
	mu.Lock()
	defer mu.Unlock()
	byID := map[int64]int{}
	created := map[string]int{}
	for _, g := range received {
		byID[g.DeliveryID]++
		if g.Event == "incident.created" {
			created[g.IncidentID]++
		}
	}
	for id, n := range byID {
		if n != 1 {
			t.Errorf("delivery %d arrived %d times", id, n)
		}
	}
	for id := range want {
		if created[id] != 1 {
			t.Errorf("incident.created of %s arrived %d times, want once", id, created[id])
		}
	}
	t.Logf("%d deliveries received for %d incidents created through two instances", len(received), len(want))
}
