package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hindsight-pm/hindsight"
	appsvc "github.com/hindsight-pm/hindsight/app"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTeamCmd) }

func newTeamCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "team",
		Short: "Manage teams: create, add-member, remove-member, add-service, remove-service, list, delete",
		Long: `Manage the teams of the database named by --db: their member accounts (by
email) and the services they own. An incident's teams are those owning one of
its affected services (case-insensitive) plus those added to it by hand; a
restricted incident may be visible to the members of named teams. Every
change is written to the audit log with the operating-system account that
made it.`,
	}
	var name string
	var members, services []string
	create := &cobra.Command{
		Use:     "create SLUG --name NAME",
		Short:   "Create a team",
		Example: "  hindsight team create payments --name Payments --member ann@example.com --service checkout --service payments",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			t, err := s.CreateTeam(cmd.Context(), cliActor(), appsvc.NewTeam{Slug: args[0], Name: name, Members: members, Services: services})
			if err != nil {
				return flagged(err, map[string]string{"slug": "SLUG", "name": "--name", "members": "--member", "services": "--service"})
			}
			fmt.Fprintf(a.stdout, "Created team %s (%s): %s\n", t.Slug, t.Name, teamLine(t))
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "display name, e.g. Payments (required)")
	create.Flags().StringArrayVar(&members, "member", nil, "a member account's email (repeatable)")
	create.Flags().StringArrayVar(&services, "service", nil, "an owned service (repeatable)")

	// change runs one TeamChange built from the arguments after the slug.
	change := func(use, short, example string, build func(args []string) appsvc.TeamChange) *cobra.Command {
		return &cobra.Command{
			Use:     use,
			Short:   short,
			Example: example,
			Args:    cobra.MinimumNArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				s, err := openService(cmd.Context(), a)
				if err != nil {
					return err
				}
				defer s.Close()
				t, err := s.UpdateTeam(cmd.Context(), cliActor(), args[0], build(args[1:]))
				if err != nil {
					return flagged(err, nil)
				}
				fmt.Fprintf(a.stdout, "Team %s: %s\n", t.Slug, teamLine(t))
				return nil
			},
		}
	}
	addMember := change("add-member SLUG EMAIL...", "Add accounts to a team", "  hindsight team add-member payments ann@example.com bob@example.com",
		func(xs []string) appsvc.TeamChange { return appsvc.TeamChange{AddMembers: xs} })
	removeMember := change("remove-member SLUG EMAIL...", "Remove accounts from a team", "  hindsight team remove-member payments bob@example.com",
		func(xs []string) appsvc.TeamChange { return appsvc.TeamChange{RemoveMembers: xs} })
	addService := change("add-service SLUG SERVICE...", "Make a team the owner of services", "  hindsight team add-service payments checkout ledger",
		func(xs []string) appsvc.TeamChange { return appsvc.TeamChange{AddServices: xs} })
	removeService := change("remove-service SLUG SERVICE...", "Take services from a team", "  hindsight team remove-service payments ledger",
		func(xs []string) appsvc.TeamChange { return appsvc.TeamChange{RemoveServices: xs} })

	list := &cobra.Command{
		Use:   "list",
		Short: "List the teams with their members and services",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := existingDB(a.db); err != nil {
				return err
			}
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			ts, err := s.Teams(cmd.Context(), "")
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tNAME\tMEMBERS\tSERVICES")
			for i := range ts {
				t := &ts[i]
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Slug, t.Name, orNone(memberEmails(t)), orNone(t.Services))
			}
			return tw.Flush()
		},
	}
	del := &cobra.Command{
		Use:   "delete SLUG",
		Short: "Delete a team (incidents restricted to it stay visible to their named members and admins)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.DeleteTeam(cmd.Context(), cliActor(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Deleted team %s\n", strings.ToLower(strings.TrimSpace(args[0])))
			return nil
		},
	}
	cmd.AddCommand(create, addMember, removeMember, addService, removeService, list, del)
	return cmd
}

// flagged rewords a field error of the service for the command line: the
// field's flag or argument instead of its JSON name ("--member" for
// "members[1]", "EMAIL" for "add_members[0]").
func flagged(err error, names map[string]string) error {
	he, ok := err.(*hindsight.Error)
	if !ok || len(he.Fields) != 1 {
		return err
	}
	f := he.Fields[0]
	field := f.Field
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	arg, ok := names[field]
	if !ok {
		arg = map[string]string{"add_members": "EMAIL", "remove_members": "EMAIL", "add_services": "SERVICE", "remove_services": "SERVICE"}[field]
	}
	if arg == "" {
		return err
	}
	if idx := strings.Trim(strings.TrimPrefix(f.Field, field), "[]"); idx != "" {
		if n, err := strconv.Atoi(idx); err == nil {
			arg += " #" + strconv.Itoa(n+1) // the first is #1
		}
	}
	return &hindsight.Error{Code: he.Code, Message: arg + ": " + f.Message, Fields: he.Fields}
}

func memberEmails(t *hindsight.Team) []string {
	out := make([]string, 0, len(t.Members))
	for _, m := range t.Members {
		if m.Email != "" {
			out = append(out, m.Email)
		} else {
			out = append(out, m.UserID)
		}
	}
	return out
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ", ")
}

func teamLine(t *hindsight.Team) string {
	return "members " + orNone(memberEmails(t)) + "; services " + orNone(t.Services)
}
