package lint

import (
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"go.yaml.in/yaml/v4"
)

// reviewGate reads the review: section of .hindsight.yaml (the publish
// gate and due dates, docs/review.md):
//
//	review:
//	  required_approvals: {SEV-1: 2, SEV-2: 1, default: 0}
//	  author_can_approve: false
//	  block_on_lint: error        # error | warning | off
//	  resolve_threads: true
//	  due_days: {SEV-1: 5, SEV-2: 10, default: 20}
//
// Every error names the file and line.
func reviewGate(path string, n *yaml.Node) (hindsight.ReviewGate, error) {
	g := hindsight.DefaultReviewGate()
	if n.Kind == 0 {
		return g, nil
	}
	if n.Kind != yaml.MappingNode {
		return g, configError(path, n.Line, "review must be a mapping of required_approvals, author_can_approve, block_on_lint, resolve_threads and due_days")
	}
	boolean := func(k, v *yaml.Node) (bool, error) {
		b, err := strconv.ParseBool(strings.ToLower(v.Value))
		if v.Kind != yaml.ScalarNode || err != nil {
			return false, configError(path, v.Line, "review.%s: %q is not true or false", k.Value, v.Value)
		}
		return b, nil
	}
	// bySeverity reads a mapping of severities to whole numbers of min or
	// more (and max or less, when max > 0)
	bySeverity := func(k, v *yaml.Node, min, max int) (map[hindsight.Severity]int, int, bool, error) {
		out := map[hindsight.Severity]int{}
		def, hasDef := 0, false
		name := "review." + k.Value
		if v.Kind != yaml.MappingNode {
			return nil, 0, false, configError(path, v.Line, "%s: expected a mapping of severities to numbers, e.g. {SEV-1: 2, default: 0}", name)
		}
		err := forMapping(path, v, name, func(sk, sv *yaml.Node) error {
			num, err := strconv.Atoi(sv.Value)
			if sv.Kind != yaml.ScalarNode || err != nil || num < min {
				return configError(path, sv.Line, "%s: %s: %q is not a whole number of %d or more", name, sk.Value, sv.Value, min)
			}
			if max > 0 && num > max {
				return configError(path, sv.Line, "%s: %s: %d is more than %d", name, sk.Value, num, max)
			}
			if strings.EqualFold(strings.TrimSpace(sk.Value), "default") {
				def, hasDef = num, true
				return nil
			}
			sev, ok := hindsight.ParseSeverity(sk.Value)
			if !ok {
				return configError(path, sk.Line, "%s: unknown severity %q; expected SEV-1, SEV-2, SEV-3, SEV-4 or default", name, sk.Value)
			}
			out[sev] = num
			return nil
		})
		return out, def, hasDef, err
	}
	err := forMapping(path, n, "review", func(k, v *yaml.Node) error {
		var err error
		switch k.Value {
		case "required_approvals":
			var def int
			var ok bool
			if g.RequiredApprovals, def, ok, err = bySeverity(k, v, 0, 0); ok {
				g.DefaultApprovals = def
			}
		case "due_days":
			var def int
			var ok bool
			if g.Due.Days, def, ok, err = bySeverity(k, v, 1, MaxDueDays); ok {
				g.Due.Default = def
			}
		case "author_can_approve":
			g.AuthorCanApprove, err = boolean(k, v)
		case "resolve_threads":
			g.ResolveThreads, err = boolean(k, v)
		case "block_on_lint":
			switch s := strings.ToLower(strings.TrimSpace(v.Value)); {
			case v.Kind == yaml.ScalarNode && (s == hindsight.LintBlockError || s == hindsight.LintBlockWarning || s == hindsight.LintBlockOff):
				g.BlockOnLint = s
			case v.Kind == yaml.ScalarNode && s == "false": // YAML's off
				g.BlockOnLint = hindsight.LintBlockOff
			default:
				err = configError(path, v.Line, "review.block_on_lint: %q; expected error, warning or off", v.Value)
			}
		default:
			err = configError(path, k.Line, "unknown key %q in review; expected required_approvals, author_can_approve, block_on_lint, resolve_threads or due_days", k.Value)
		}
		return err
	})
	return g, err
}

// MaxDueDays bounds review.due_days: a hundred years, far beyond any
// postmortem deadline, so that due dates and the store's windows of them
// stay within the times both stores can write.
const MaxDueDays = 36500
