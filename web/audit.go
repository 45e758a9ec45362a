package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// auditData is the audit log page's data.
type auditData struct {
	Filter   hindsight.AuditFilter
	Since    string
	Entries  []hindsight.AuditEntry
	More     string
	Problems []string
	names    map[string]string
}

// ActorName shows an account ID of the audit log as its email.
func (d auditData) ActorName(id string) string {
	if n, ok := d.names[id]; ok {
		return n
	}
	return id
}

// accountID finds the account IDs auth makes (usr_ and 16 hex digits).
var accountID = regexp.MustCompile(`\busr_[0-9a-f]{16}\b`)

// Detail shows the account IDs in an entry's detail ("restricted to
// usr_..., usr_...") as their emails, as the Actor and Target columns do,
// so an admin reads who was given access without looking IDs up. An ID
// of no known account stays as it is.
func (d auditData) Detail(s string) string {
	if len(d.names) == 0 {
		return s
	}
	return accountID.ReplaceAllStringFunc(s, d.ActorName)
}

// audit is the audit log: who did what, newest first, with filters.
func (u *UI) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := u.au.ParseAuditFilter(r)
	d := auditData{Filter: f, Since: q.Get("since")}
	d.Filter.Actor = strings.TrimSpace(q.Get("actor"))
	p := page{Title: "Audit log", Nav: "audit"}
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EInvalid && c != hindsight.EMalformed {
			u.fail(w, r, err)
			return
		}
		d.Problems = []string{hindsight.ErrorMessage(err)}
		p.Data = d
		u.render(w, r, httpx.Status(hindsight.ErrorCode(err)), "audit", p)
		return
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if d.Entries, err = u.au.Audit(r.Context(), f); err != nil {
		u.fail(w, r, err)
		return
	}
	if len(d.Entries) == f.Limit {
		q.Set("before_id", strconv.FormatInt(d.Entries[len(d.Entries)-1].ID, 10))
		d.More = "/admin/audit?" + q.Encode()
	}
	if us, err := u.au.Users(r.Context()); err == nil {
		d.names = map[string]string{}
		for _, a := range us {
			d.names[a.ID] = a.Email
		}
	}
	p.Data = d
	u.render(w, r, http.StatusOK, "audit", p)
}
