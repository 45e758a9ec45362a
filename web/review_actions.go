package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// The review's forms on the incident page. Each posts, goes through the
// application service, and redirects back to the incident page (Post/
// Redirect/Get) with a confirmation or the refusal in the flash message,
// so they work without JavaScript.

// reviewBack redirects to the incident page at fragment with msg, or with
// the error when err is one a person can act on (a bad field, a refusal,
// a conflict); other errors get the error page.
func (u *UI) reviewBack(w http.ResponseWriter, r *http.Request, fragment, msg string, err error) {
	to := "/incidents/" + url.PathEscape(r.PathValue("id"))
	if fragment != "" {
		to += "#" + fragment
	}
	if err != nil {
		switch hindsight.ErrorCode(err) {
		case hindsight.EInvalid, hindsight.EConflict, hindsight.EForbidden:
			u.redirectFlash(w, r, to, flashError, hindsight.ErrorMessage(err))
		default:
			u.fail(w, r, err)
		}
		return
	}
	u.redirectFlash(w, r, to, flashOK, msg)
}

// formInt reads a whole number field of the posted form (0 when empty).
func formInt(r *http.Request, field string) (int64, error) {
	s := strings.TrimSpace(r.PostForm.Get(field))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + strconv.Quote(s) + " is not a whole number",
			Fields: []hindsight.FieldError{{Field: field, Message: "want a whole number"}}}
	}
	return n, nil
}

func (u *UI) reviewRequest(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	var who []string
	for _, s := range r.PostForm["reviewer"] {
		if s = strings.TrimSpace(s); s != "" {
			who = append(who, s)
		}
	}
	// the service checks the incident first, then the reviewers (none
	// chosen is its "reviewers" error)
	err := u.rv.RequestReviews(r.Context(), u.actor(r), r.PathValue("id"), who)
	u.reviewBack(w, r, "review-panel", "Review requested.", err)
}

func (u *UI) reviewWithdraw(w http.ResponseWriter, r *http.Request) {
	err := u.rv.WithdrawReviewRequest(r.Context(), u.actor(r), r.PathValue("id"), r.PathValue("account"))
	u.reviewBack(w, r, "review-panel", "Review request withdrawn.", err)
}

func (u *UI) reviewSubmit(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	state, err := hindsight.ParseReviewState(r.PostForm.Get("state"))
	if err != nil {
		u.reviewBack(w, r, "review-panel", "", err)
		return
	}
	rev, err := formInt(r, "revision")
	if err != nil {
		u.reviewBack(w, r, "review-panel", "", err)
		return
	}
	rv, err := u.rv.SubmitReview(r.Context(), u.actor(r), r.PathValue("id"), int(rev), state, r.PostForm.Get("body"))
	msg := ""
	if err == nil {
		msg = "Review submitted: " + rv.State.Label() + " on revision " + strconv.Itoa(rv.Revision) + "."
	}
	u.reviewBack(w, r, "review-panel", msg, err)
}

func (u *UI) commentCreate(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	ctx, a, id := r.Context(), u.actor(r), r.PathValue("id")
	parent, err := formInt(r, "parent_id")
	if err != nil {
		u.reviewBack(w, r, "", "", err)
		return
	}
	rev, err := formInt(r, "revision")
	if err != nil {
		u.reviewBack(w, r, "", "", err)
		return
	}
	body := r.PostForm.Get("body")
	var anchor hindsight.Anchor
	if parent == 0 {
		// the anchor is a place of the revision the form showed
		in, err := u.svc.Get(ctx, a, id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		doc := in.Doc
		if rev > 0 && int(rev) != in.Revision {
			old, err := u.svc.Store().FindRevision(ctx, a.Viewer, id, int(rev))
			if err != nil {
				u.reviewBack(w, r, "", "", err)
				return
			}
			doc, _ = markdown.Parse(old.Markdown)
		}
		section := r.PostForm.Get("section")
		if anchor, err = parseAnchor(doc, section, r.PostForm.Get("anchor")); err != nil {
			u.reviewBack(w, r, "sec-"+section, "", err)
			return
		}
	}
	c, err := u.rv.CreateComment(ctx, a, id, int(rev), parent, anchor, body)
	if err != nil {
		u.reviewBack(w, r, "", "", err)
		return
	}
	u.reviewBack(w, r, "thread-"+strconv.FormatInt(c.ThreadID, 10), "Comment added.", nil)
}

// commentUpdate edits a comment (action=edit, its author), or resolves or
// reopens its thread (action=resolve|reopen).
func (u *UI) commentUpdate(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	cid, err := strconv.ParseInt(r.PathValue("comment"), 10, 64)
	if err != nil {
		u.fail(w, r, hindsight.Errorf(hindsight.ENotFound, "no comment %q", r.PathValue("comment")))
		return
	}
	ctx, a, id := r.Context(), u.actor(r), r.PathValue("id")
	if err := u.commentOf(r, id, cid); err != nil {
		u.fail(w, r, err)
		return
	}
	frag := "thread-" + strconv.FormatInt(cid, 10)
	switch action := r.PostForm.Get("action"); action {
	case "edit":
		u.reviewBack(w, r, "comment-"+strconv.FormatInt(cid, 10), "Comment saved.", u.rv.EditComment(ctx, a, id, cid, r.PostForm.Get("body")))
	case "resolve":
		u.reviewBack(w, r, frag, "Thread resolved.", u.rv.ResolveThread(ctx, a, id, cid, true))
	case "reopen":
		u.reviewBack(w, r, frag, "Thread reopened.", u.rv.ResolveThread(ctx, a, id, cid, false))
	default:
		u.reviewBack(w, r, frag, "", &hindsight.Error{Code: hindsight.EInvalid, Message: "action: want edit, resolve or reopen, not " + strconv.Quote(action),
			Fields: []hindsight.FieldError{{Field: "action", Message: "want edit, resolve or reopen"}}})
	}
}

func (u *UI) commentDelete(w http.ResponseWriter, r *http.Request) {
	cid, err := strconv.ParseInt(r.PathValue("comment"), 10, 64)
	if err != nil {
		u.fail(w, r, hindsight.Errorf(hindsight.ENotFound, "no comment %q", r.PathValue("comment")))
		return
	}
	if err := u.commentOf(r, r.PathValue("id"), cid); err != nil {
		u.fail(w, r, err)
		return
	}
	u.reviewBack(w, r, "review-panel", "Comment deleted.", u.rv.DeleteComment(r.Context(), u.actor(r), r.PathValue("id"), cid))
}

// publishAnyway publishes past a red gate: admins, with a reason.
func (u *UI) publishAnyway(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	rev, err := formInt(r, "revision")
	if err != nil {
		u.reviewBack(w, r, "review-panel", "", err)
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		u.reviewBack(w, r, "review-panel", "", &hindsight.Error{Code: hindsight.EInvalid, Message: "reason: say why it is published past the gate",
			Fields: []hindsight.FieldError{{Field: "reason", Message: "required"}}})
		return
	}
	in, err := u.rv.PublishAnyway(r.Context(), u.actor(r), r.PathValue("id"), int(rev), reason)
	msg := ""
	if err == nil {
		msg = savedAs(in.Revision) + " Published past the review gate."
	}
	u.reviewBack(w, r, "", msg, err)
}

// commentOf checks that comment is one of incident id that the viewer may
// see (ENotFound otherwise).
func (u *UI) commentOf(r *http.Request, id string, comment int64) error {
	rs := u.reviewStore()
	if rs == nil {
		return hindsight.Errorf(hindsight.ENotFound, "no comment %d", comment)
	}
	c, err := rs.FindCommentByID(r.Context(), u.actor(r).Viewer, comment)
	if err != nil {
		return err
	}
	if c.IncidentID != id {
		return hindsight.Errorf(hindsight.ENotFound, "no comment %d on %s", comment, id)
	}
	return nil
}
