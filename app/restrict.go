package app

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// MaxMembers bounds a restricted incident's member list.
const MaxMembers = 500

// SetRestriction makes incident id restricted to members (and admins), or
// visible to every reader again, as a new revision with an
// "incident.restrict" audit record. Members are account IDs or emails;
// when the store keeps accounts, emails are resolved to IDs and unknown
// ones are refused. A non-admin who restricts an incident stays a member
// of it. The actor must see the incident (ENotFound otherwise).
func (s *Service) SetRestriction(ctx context.Context, a Actor, id string, restricted bool, members []string) (*hindsight.Incident, error) {
	return s.Restrict(ctx, a, id, restricted, members, nil)
}

// Restrict is SetRestriction with the teams whose members also see the
// restricted incident (slugs or names; nil keeps the incident's teams,
// empty clears them). Team membership is read at every query, so who joins
// or leaves a team gains or loses sight of the incident at once.
func (s *Service) Restrict(ctx context.Context, a Actor, id string, restricted bool, members, teams []string) (*hindsight.Incident, error) {
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	memberTeams := slices.Clone(cur.MemberTeams)
	if teams != nil {
		if memberTeams, err = s.teamSlugs(ctx, "member_teams", teams); err != nil {
			return nil, err
		}
	}
	if !restricted {
		memberTeams = []string{}
	}
	var ids []string
	if restricted {
		if ids, err = s.members(ctx, a, members); err != nil {
			return nil, err
		}
	} else if ids, err = s.resolveMembers(ctx, members); err != nil {
		return nil, err
	}
	old := slices.Clone(cur.Members)
	slices.Sort(old)
	if cur.Restricted == restricted && slices.Equal(old, ids) && slices.Equal(cur.MemberTeams, memberTeams) {
		return cur, nil
	}
	detail := "unrestricted"
	if restricted {
		detail = "restricted to " + memberList(ids)
		if len(memberTeams) > 0 {
			detail += " and the teams " + strings.Join(memberTeams, ", ")
		}
	}
	doc := *cur.Doc
	defer s.wrote(id)
	return s.store.UpdateIncident(ctx, hindsight.IncidentUpdate{
		ID: id, BaseRevision: cur.Revision, Doc: &doc, Author: a.author(), Message: "visibility: " + detail,
		Restricted: &restricted, Members: &ids, MemberTeams: &memberTeams,
		Audit: []hindsight.AuditRecord{s.audit(a, "incident.restrict", id, detail)},
	})
}

// members resolves the members of a restricted incident (resolveMembers),
// adds a non-admin actor (who must keep seeing what it restricts), and
// bounds the list.
func (s *Service) members(ctx context.Context, a Actor, members []string) ([]string, error) {
	ids, err := s.resolveMembers(ctx, members)
	if err != nil {
		return nil, err
	}
	if !a.Viewer.SeesAll() && a.ID != "" && !slices.Contains(ids, a.ID) {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > MaxMembers {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "members: at most 500", Fields: []hindsight.FieldError{{Field: "members", Message: "at most 500"}}}
	}
	return ids, nil
}

// memberList is members for an audit record or a revision message.
func memberList(ids []string) string {
	if len(ids) == 0 {
		return "admins only"
	}
	return strings.Join(ids, ", ")
}

// noMember is the one error for a member that names no active account,
// whatever the reason (no such email or ID, a disabled account), so the
// answer does not tell which emails have accounts.
func noMember(i int) error {
	const msg = "names no active account: use the email of an enabled account"
	return &hindsight.Error{Code: hindsight.EInvalid, Message: "members[" + strconv.Itoa(i) + "]: " + msg,
		Fields: []hindsight.FieldError{{Field: "members[" + strconv.Itoa(i) + "]", Message: msg}}}
}

// resolveMembers turns emails into account IDs when the store keeps
// accounts; every member must then name an active account (noMember).
func (s *Service) resolveMembers(ctx context.Context, members []string) ([]string, error) {
	as, ok := s.store.(hindsight.AccountStore)
	out := make([]string, 0, len(members))
	for i, m := range members {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if !ok {
			out = append(out, m)
			continue
		}
		var u *hindsight.User
		var err error
		if strings.Contains(m, "@") {
			u, err = as.FindUserByEmail(ctx, m)
		} else {
			u, err = as.FindUserByID(ctx, m)
		}
		if hindsight.ErrorCode(err) == hindsight.ENotFound || (err == nil && u.Disabled) {
			return nil, noMember(i)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u.ID)
	}
	return out, nil
}
