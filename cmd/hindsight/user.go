package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	osuser "os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hindsight-pm/hindsight"
	appsvc "github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() { commands = append(commands, newUserCmd, newTokenCmd) }

// bootstrapAdmin creates the first admin from HINDSIGHT_ADMIN_EMAIL and
// HINDSIGHT_ADMIN_PASSWORD (both or neither), for automated setups.
func bootstrapAdmin(ctx context.Context, a *app, au *auth.Auth) error {
	email, pw := os.Getenv("HINDSIGHT_ADMIN_EMAIL"), os.Getenv("HINDSIGHT_ADMIN_PASSWORD")
	switch {
	case email == "" && pw == "":
		return nil
	case email == "" || pw == "":
		return hindsight.Errorf(hindsight.EInvalid, "set both HINDSIGHT_ADMIN_EMAIL and HINDSIGHT_ADMIN_PASSWORD, or neither")
	}
	created, err := au.Bootstrap(ctx, email, pw)
	if err != nil {
		return fmt.Errorf("HINDSIGHT_ADMIN_EMAIL/HINDSIGHT_ADMIN_PASSWORD: %w", err)
	}
	if created {
		fmt.Fprintf(a.stdout, "Created the first admin account %s (HINDSIGHT_ADMIN_EMAIL)\n", strings.ToLower(strings.TrimSpace(email)))
	}
	return nil
}

// printSetupLink prints the one-time link that creates the first admin to
// the operator's terminal (stdout, never the log) while no account exists.
// publicURL is the base URL, or the listening address as http://host:port.
func printSetupLink(ctx context.Context, a *app, au *auth.Auth, publicURL string) error {
	link, err := au.SetupLink(ctx, publicURL)
	if err != nil || link == "" {
		return err
	}
	fmt.Fprintf(a.stdout, "No account exists yet. Create the first admin (this link works once):\n  %s\n", link)
	return nil
}

// openAuth opens the store of --db and an Auth over it; close closes the
// store.
func openAuth(ctx context.Context, a *app) (*auth.Auth, func(), error) {
	st, err := openStore(ctx, a.db)
	if err != nil {
		return nil, nil, err
	}
	as, ok := st.(hindsight.AccountStore)
	if !ok {
		st.Close()
		return nil, nil, hindsight.Errorf(hindsight.EUnsupport, "the database %s keeps no accounts", a.db)
	}
	au, err := auth.New(as, nil, auth.Options{})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return au, func() { st.Close() }, nil
}

// cliActor is who the audit log records for a command-line change: the
// operating-system account that ran it.
func cliActor() appsvc.Actor {
	name := "unknown"
	if u, err := osuser.Current(); err == nil {
		name = u.Username
	}
	return appsvc.Actor{ID: "cli:" + name, Name: "cli:" + name, Viewer: hindsight.SystemViewer, Address: "local"}
}

// readPassword reads a new password: from a prompt without echo (asked
// twice) when stdin is a terminal and --password-stdin is not set, else the
// first line of stdin.
func readPassword(a *app, fromStdin bool) (string, error) {
	if f, ok := a.stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(a.stderr, "Password (at least %d characters): ", auth.MinPasswordLength)
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(a.stderr, "Password again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", hindsight.Errorf(hindsight.EInvalid, "the two passwords differ")
		}
		return string(p1), auth.CheckPassword(string(p1))
	}
	line, err := bufio.NewReader(io.LimitReader(a.stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", hindsight.Errorf(hindsight.EInvalid, "no password on stdin: pipe it in, e.g. printf '%%s\\n' \"$PW\" | hindsight user add ... --password-stdin")
	}
	return pw, auth.CheckPassword(pw)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func newUserCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage accounts: add, list, disable, enable, reset-password, role",
		Long: `Manage the accounts of the web app and the API in the database named by --db.

Passwords are asked at a prompt without echo when stdin is a terminal, or read
as the first line of stdin (--password-stdin forces that). They are stored as
argon2id hashes only. Every change is written to the audit log with the
operating-system account that made it.`,
	}
	var role, name string
	var pwStdin bool
	add := &cobra.Command{
		Use:     "add EMAIL",
		Short:   "Add an account",
		Example: "  hindsight user add ann@example.com --role editor --name 'Ann Lee'\n  printf '%s\\n' \"$PW\" | hindsight user add ci@example.com --role viewer --password-stdin",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := hindsight.ParseRole(role)
			if err != nil {
				return err
			}
			pw, err := readPassword(a, pwStdin)
			if err != nil {
				return err
			}
			au, done, err := openAuth(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer done()
			u, err := au.AddUser(cmd.Context(), cliActor(), auth.NewUser{Email: args[0], Name: name, Role: r, Password: pw})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Added %s (%s) as %s\n", u.Email, u.ID, u.Role)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "viewer", "viewer, editor or admin")
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of stdin")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := existingDB(a.db); err != nil {
				return err
			}
			au, done, err := openAuth(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer done()
			us, err := au.Users(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tSTATE\tLAST SIGN-IN\tNAME")
			for _, u := range us {
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				if u.BreakGlass {
					state += ", break-glass"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, state, when(u.LastLoginAt), u.Name)
			}
			return tw.Flush()
		},
	}

	change := func(use, short string, c func(cmd *cobra.Command, args []string) (auth.Change, error), nargs int) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.ExactArgs(nargs),
			RunE: func(cmd *cobra.Command, args []string) error {
				ch, err := c(cmd, args)
				if err != nil {
					return err
				}
				au, done, err := openAuth(cmd.Context(), a)
				if err != nil {
					return err
				}
				defer done()
				u, err := au.FindUser(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if u, err = au.ChangeUser(cmd.Context(), cliActor(), u.ID, ch); err != nil {
					return err
				}
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				if u.BreakGlass {
					state += ", break-glass"
				}
				if u.LinkOnSignIn {
					state += ", linked at the next identity provider sign-in"
				}
				fmt.Fprintf(a.stdout, "%s (%s): %s, %s\n", u.Email, u.ID, u.Role, state)
				return nil
			},
		}
	}
	yes, no := true, false
	disable := change("disable EMAIL|ID", "Disable an account: it cannot sign in and its sessions and tokens stop at once",
		func(*cobra.Command, []string) (auth.Change, error) { return auth.Change{Disabled: &yes}, nil }, 1)
	enable := change("enable EMAIL|ID", "Enable a disabled account",
		func(*cobra.Command, []string) (auth.Change, error) { return auth.Change{Disabled: &no}, nil }, 1)
	var resetStdin bool
	reset := change("reset-password EMAIL|ID", "Set a new password; the account's sessions end and its API tokens are revoked",
		func(*cobra.Command, []string) (auth.Change, error) {
			pw, err := readPassword(a, resetStdin)
			return auth.Change{Password: &pw}, err
		}, 1)
	reset.Flags().BoolVar(&resetStdin, "password-stdin", false, "read the password from the first line of stdin")
	setRole := change("role EMAIL|ID ROLE", "Change an account's role (viewer, editor or admin)",
		func(_ *cobra.Command, args []string) (auth.Change, error) {
			r, err := hindsight.ParseRole(args[1])
			return auth.Change{Role: &r}, err
		}, 2)
	onOff := func(what, v string) (*bool, error) {
		switch strings.ToLower(v) {
		case "on", "true", "yes", "1":
			return &yes, nil
		case "off", "false", "no", "0":
			return &no, nil
		}
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s %q: want on or off", what, v)
	}
	breakGlass := change("break-glass EMAIL|ID on|off", "Let an account sign in with its password when sign-in is through the identity provider only (HINDSIGHT_OIDC_ONLY)",
		func(_ *cobra.Command, args []string) (auth.Change, error) {
			b, err := onOff("break-glass", args[1])
			return auth.Change{BreakGlass: b}, err
		}, 2)
	link := change("link EMAIL|ID", "Let the next identity provider sign-in with the account's email link to it (once)",
		func(*cobra.Command, []string) (auth.Change, error) { return auth.Change{LinkOnSignIn: &yes}, nil }, 1)
	cmd.AddCommand(add, list, disable, enable, reset, setRole, breakGlass, link)
	return cmd
}

func newTokenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage API tokens: create, list, revoke",
		Long: `Manage the API tokens sent as "Authorization: Bearer <token>".

A token is shown once, when it is created; only its hash is stored. A read
token reads; a read-write token may do what its account's role allows.`,
	}
	var userArg, name, scope string
	var days int
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a token and print it (once)",
		Example: "  hindsight token create --user ci@example.com --name 'nightly export' --scope read --expires-in-days 30",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if days < 1 || days > 366 {
				return hindsight.Errorf(hindsight.EInvalid, "--expires-in-days %d: from 1 to 366", days)
			}
			au, done, err := openAuth(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer done()
			u, err := au.FindUser(cmd.Context(), userArg)
			if err != nil {
				return err
			}
			secret, t, err := au.CreateToken(cmd.Context(), cliActor(), u.ID, name, hindsight.TokenScope(scope), time.Duration(days)*24*time.Hour)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Token %s for %s, scope %s, expires %s. It is shown only now:\n", t.ID, u.Email, t.Scope, when(t.ExpiresAt))
			fmt.Fprintln(a.stdout, secret)
			return nil
		},
	}
	create.Flags().StringVar(&userArg, "user", "", "the account (email or ID) the token acts as (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for (required)")
	create.Flags().StringVar(&scope, "scope", "read", "read or read-write")
	create.Flags().IntVar(&days, "expires-in-days", 90, "lifetime in days, 1 to 366")
	_ = create.MarkFlagRequired("user")
	_ = create.MarkFlagRequired("name")

	var listUser string
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := existingDB(a.db); err != nil {
				return err
			}
			au, done, err := openAuth(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer done()
			owner := ""
			if listUser != "" {
				u, err := au.FindUser(cmd.Context(), listUser)
				if err != nil {
					return err
				}
				owner = u.ID
			}
			ts, err := au.Tokens(cmd.Context(), owner)
			if err != nil {
				return err
			}
			now := time.Now()
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tACCOUNT\tSCOPE\tSTATE\tEXPIRES\tLAST USED\tNAME")
			for _, t := range ts {
				state := "active"
				switch {
				case !t.RevokedAt.IsZero():
					state = "revoked"
				case !t.Active(now):
					state = "expired"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.UserID, t.Scope, state, when(t.ExpiresAt), when(t.LastUsedAt), t.Name)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&listUser, "user", "", "only this account's tokens (email or ID)")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			au, done, err := openAuth(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer done()
			if err := au.RevokeToken(cmd.Context(), cliActor(), args[0], ""); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Revoked %s\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
