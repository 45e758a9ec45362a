package auth

import "context"

// GroupSync is told the groups of an account after every successful
// external sign-in (OpenID Connect or a trusted proxy header) and every
// refresh of such a session, so another part (teams) can follow the
// identity provider's groups. groups are as the provider sent them, after
// the account's role was set from them. An error is logged; it does not
// refuse the sign-in.
//
// accountID is hindsight.User.ID. The contract between the engineers
// first named it an int64; account IDs are opaque strings in this code
// base (incident member lists and Viewer.UserID hold them), so it is the
// string.
type GroupSync interface {
	SyncGroups(ctx context.Context, accountID string, groups []string) error
}
